// pcapng timestamps → integer microseconds. An interface's if_tsresol (pcapng §4.2) gives the
// unit: 10^-n s, or 2^-n s when the top bit is set; if_tsoffset adds whole seconds. A TsClock is
// built once per interface (rare) so the per-packet conversion is a switch and plain arithmetic.

const TWO_32 = 4294967296;
/** Largest divisor for which (remainder * 2^32 + low) stays below 2^53, i.e. exact in a double. */
const MAX_EXACT_DIVISOR = 2 ** 21;

export type TsClockKind =
  | 'micros' // 10^-6: the value is already microseconds
  | 'multiply' // 10^-n, n < 6
  | 'divide' // 10^-n, 6 < n <= 12 (ns is n = 9)
  | 'pow2' // 2^-n, n <= 32
  | 'bigint'; // everything else: exact but slow, for exotic resolutions

export interface TsClock {
  kind: TsClockKind;
  /** multiply: 10^(6-n); divide: 10^(n-6); pow2: n. */
  factor: number;
  /** bigint: units per second. */
  unitsPerSecond: bigint;
  offsetMicros: number;
}

export function createTsClock(tsresol: number, offsetSeconds: number): TsClock {
  const offsetMicros = offsetSeconds * 1_000_000;
  const n = tsresol & 0x7f;
  if ((tsresol & 0x80) !== 0) {
    if (n <= 32) return { kind: 'pow2', factor: n, unitsPerSecond: 0n, offsetMicros };
    return { kind: 'bigint', factor: 0, unitsPerSecond: 1n << BigInt(n), offsetMicros };
  }
  if (n === 6) return { kind: 'micros', factor: 1, unitsPerSecond: 0n, offsetMicros };
  if (n < 6) return { kind: 'multiply', factor: 10 ** (6 - n), unitsPerSecond: 0n, offsetMicros };
  const divisor = 10 ** (n - 6);
  if (divisor <= MAX_EXACT_DIVISOR) return { kind: 'divide', factor: divisor, unitsPerSecond: 0n, offsetMicros };
  return { kind: 'bigint', factor: 0, unitsPerSecond: 10n ** BigInt(n), offsetMicros };
}

/** The 64-bit timestamp hi:lo in the clock's unit, as floor(microseconds) since the epoch. */
export function tsClockMicros(clock: TsClock, hi: number, lo: number): number {
  switch (clock.kind) {
    case 'micros':
      return hi * TWO_32 + lo + clock.offsetMicros;
    case 'multiply':
      return (hi * TWO_32 + lo) * clock.factor + clock.offsetMicros;
    case 'divide': {
      const d = clock.factor;
      const qh = Math.floor(hi / d);
      const rh = hi - qh * d;
      return qh * TWO_32 + Math.floor((rh * TWO_32 + lo) / d) + clock.offsetMicros;
    }
    case 'pow2': {
      const n = clock.factor;
      const unit = 2 ** n;
      const secs = hi * 2 ** (32 - n) + Math.floor(lo / unit);
      const frac = lo - Math.floor(lo / unit) * unit; // < 2^n, so frac * 10^6 < 2^52: exact
      return secs * 1_000_000 + Math.floor((frac * 1_000_000) / unit) + clock.offsetMicros;
    }
    case 'bigint': {
      const units = (BigInt(hi) << 32n) | BigInt(lo);
      return Number((units * 1_000_000n) / clock.unitsPerSecond) + clock.offsetMicros;
    }
  }
}
