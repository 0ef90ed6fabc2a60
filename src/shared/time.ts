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
  const c = civilOf(ms - sub);
  // One flat string from its character codes: a template of a dozen pieces made a rope of a dozen
  // strings that JSON.stringify then flattened (~470 vs ~210 ns a date here, issue 12 item 6).
  return String.fromCharCode(
    tens(c.year100), ones(c.year100), tens(c.year % 100), ones(c.year % 100), 0x2d, tens(c.month), ones(c.month), 0x2d, tens(c.day), ones(c.day),
    0x54, tens(c.hour), ones(c.hour), 0x3a, tens(c.minute), ones(c.minute), 0x3a, tens(c.second), ones(c.second),
    0x2e, 0x30 + Math.floor(sub / 100), 0x30 + (Math.floor(sub / 10) % 10), 0x30 + (sub % 10), 0x5a,
  );
}

/** 9999-12-31T23:59:59.999Z: past it toISOString writes a six-digit year with a sign. */
const LAST_FOUR_DIGIT_MS = 253_402_300_799_999;
const DAY_MS = 86_400_000;
/** Character codes of the tens and the ones digit of 0..99. */
function tens(v: number): number {
  return 0x30 + ((v / 10) | 0);
}
function ones(v: number): number {
  return 0x30 + (v % 10);
}

/** The civil fields of one instant, reused (never kept by a caller). */
const CIVIL = { year: 0, year100: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };

/**
 * The UTC civil date and time of [0, LAST_FOUR_DIGIT_MS] ms. By hand: V8's toISOString cost
 * ~2.5 µs a call, most of the date fields of a short message (issue 12 item 6). Days → civil date
 * as in H. Hinnant's `civil_from_days` (proleptic Gregorian, era of 400 years).
 */
function civilOf(ms: number): typeof CIVIL {
  const days = Math.floor(ms / DAY_MS);
  const secOfDay = Math.floor((ms - days * DAY_MS) / 1000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const c = CIVIL;
  c.year = year;
  c.year100 = Math.floor(year / 100);
  c.month = month;
  c.day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  c.hour = Math.floor(secOfDay / 3600);
  c.minute = Math.floor((secOfDay - c.hour * 3600) / 60);
  c.second = secOfDay - c.hour * 3600 - c.minute * 60;
  return c;
}

/**
 * YYYY-MM-DDTHH:MM:SS of a time in [0, LAST_FOUR_DIGIT_MS] ms, the first 19 characters of
 * toISOString; made once per second of packet time (isoMicros), so the slice of isoMillis's text.
 */
function isoSecondsPrefix(ms: number): string {
  return isoMillis(ms).slice(0, 19);
}

export function nowMicros(): number {
  return Date.now() * 1000;
}
