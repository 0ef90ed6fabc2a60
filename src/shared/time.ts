// Packet time. Parsers never call Date.now(): every time they see is packet time, carried as
// integer microseconds since the Unix epoch (exact in a double until the year 2255).

/**
 * The packet times mailtap carries: integer microseconds since 1970 that a double holds exactly,
 * 1970-01-01T00:00:00.000000Z to 2255-06-05T23:47:34.740991Z, inside the events schema's
 * four-digit years. A capture file may say anything (a pcapng block near 2^64, if_tsresol of
 * seconds with 2^40 s, a negative if_tsoffset); the reader clamps into this range and counts
 * capture_bad_timestamp, so every `ts` formats and validates.
 */
export const MIN_TS_MICROS = 0;
export const MAX_TS_MICROS = Number.MAX_SAFE_INTEGER;

/** `ts` clamped into [MIN_TS_MICROS, MAX_TS_MICROS] (NaN → MIN), whole microseconds. */
export function clampTsMicros(ts: number): number {
  if (!(ts >= MIN_TS_MICROS)) return MIN_TS_MICROS;
  if (ts > MAX_TS_MICROS) return MAX_TS_MICROS;
  return Math.floor(ts);
}

/** ISO-8601 UTC with microseconds, as SPEC §3 `ts`: 2024-01-15T09:00:00.123456Z */
export function isoMicros(tsMicros: number): string {
  const sec = Math.floor(tsMicros / 1_000_000);
  // Every record carries two or three of these, mostly within the same second: the
  // YYYY-MM-DDTHH:MM:SS prefix is formatted once per second (Date + toISOString were ~3% of a
  // worker on 100k short sessions).
  if (sec !== lastSecond) {
    lastSecond = sec;
    lastPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  const frac = tsMicros - sec * 1_000_000;
  return `${lastPrefix}.${String(frac).padStart(6, '0')}Z`;
}

let lastSecond = Number.NaN;
let lastPrefix = '';

/** ISO-8601 UTC with milliseconds, as SPEC §3 `time`. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

export function nowMicros(): number {
  return Date.now() * 1000;
}
