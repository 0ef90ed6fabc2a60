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
    lastPrefix = isoSecondsPrefix(sec * 1000);
  }
  const frac = tsMicros - sec * 1_000_000;
  return `${lastPrefix}.${String(frac).padStart(6, '0')}Z`;
}

let lastSecond = Number.NaN;
let lastPrefix = '';

/** ISO-8601 UTC with milliseconds, as SPEC §3 `time` and Date.prototype.toISOString. */
export function isoMillis(ms: number): string {
  if (!(ms >= 0 && ms <= LAST_FOUR_DIGIT_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const sub = ms % 1000;
  return `${isoSecondsPrefix(ms - sub)}.${PAD3[sub]!}Z`;
}

/** 9999-12-31T23:59:59.999Z: past it toISOString writes a six-digit year with a sign. */
const LAST_FOUR_DIGIT_MS = 253_402_300_799_999;
const DAY_MS = 86_400_000;
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * YYYY-MM-DDTHH:MM:SS of a time in [0, LAST_FOUR_DIGIT_MS] ms, the first 19 characters of
 * toISOString. By hand: V8's toISOString cost ~2.5 µs a call, most of the date fields of a short
 * message (issue 12 item 6). Days → civil date as in H. Hinnant's `civil_from_days` (proleptic
 * Gregorian, era of 400 years).
 */
function isoSecondsPrefix(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const secOfDay = Math.floor((ms - days * DAY_MS) / 1000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(secOfDay / 3600);
  const m = Math.floor((secOfDay - h * 3600) / 60);
  const s = secOfDay - h * 3600 - m * 60;
  return `${PAD2[Math.floor(year / 100)]!}${PAD2[year % 100]!}-${PAD2[month]!}-${PAD2[day]!}T${PAD2[h]!}:${PAD2[m]!}:${PAD2[s]!}`;
}

export function nowMicros(): number {
  return Date.now() * 1000;
}
