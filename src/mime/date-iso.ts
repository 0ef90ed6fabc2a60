// RFC 5322 date-time → ISO-8601, shared by the message record (`date_iso`) and the Received hops
// (their own file so received-hop.ts does not import message-record.ts, which imports it back
// through top-fields.ts).
//
// The shape nearly every MTA and MUA writes (RFC 5322 §3.3 without obsolete forms), e.g.
// "Mon, 15 Jan 2024 09:00:00 -0000", is read by hand; anything else goes to V8's Date.parse as
// before. The hand path accepts only what Date.parse reads to the same instant (day within its
// month, times in range, a four-digit year and a numeric zone; test/unit/mime/date-iso.test.ts
// compares both on generated dates): Date.parse + toISOString were ~4 µs per date, ~6% of a
// short message's parse (issue 12 item 6).
import { isoMillis } from '../shared/time.js';

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Three letters, any case, as one number (no string made per date). */
function key3(v: string, i: number): number {
  const a = v.charCodeAt(i) | 0x20;
  const b = v.charCodeAt(i + 1) | 0x20;
  const c = v.charCodeAt(i + 2) | 0x20;
  // Only ASCII can spell a month: a wider code unit would spill into its neighbour's byte.
  return (a | b | c) > 0x7f ? -1 : (a << 16) | (b << 8) | c;
}
const MONTH_OF = new Map(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, k) => [key3(m, 0), k]));
const DAY_NAMES = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => key3(d, 0)));

export function parseDateIso(v: string): string | undefined {
  const fast = fastDateMillis(v);
  if (fast >= 0) return isoMillis(fast);
  // RFC 5322 §3.3 date-time; comments such as "(CST)" are dropped before parsing.
  const t = Date.parse(v.replace(/\([^)]*\)/g, ' ').trim());
  return Number.isNaN(t) ? undefined : isoMillis(t);
}

/** Reads `[ws][Day,]ws D[D] ws Mon ws YYYY ws HH:MM[:SS] ws (+|-)HHMM [ws][(comment)][ws]`; -1 otherwise. */
function fastDateMillis(v: string): number {
  const n = v.length;
  let i = skipWsp(v, 0);
  if (i + 4 <= n && v.charCodeAt(i + 3) === 0x2c /* , */) {
    if (!DAY_NAMES.has(key3(v, i))) return -1;
    i = skipWsp(v, i + 4);
  }
  const day = digits(v, i, 1, 2);
  if (day < 0) return -1;
  i += isDigit(v, i + 1) ? 2 : 1;
  let j = skipWsp(v, i);
  if (j === i) return -1;
  const month = j + 3 <= n ? MONTH_OF.get(key3(v, j)) ?? -1 : -1;
  if (month < 0) return -1;
  i = j + 3;
  j = skipWsp(v, i);
  if (j === i) return -1;
  const year = digits(v, j, 4, 4);
  if (year < 1970 || year > 9999) return -1;
  i = j + 4;
  j = skipWsp(v, i);
  if (j === i) return -1;
  const hour = digits(v, j, 2, 2);
  if (hour < 0 || hour > 23 || v.charCodeAt(j + 2) !== 0x3a /* : */) return -1;
  const minute = digits(v, j + 3, 2, 2);
  if (minute < 0 || minute > 59) return -1;
  i = j + 5;
  let second = 0;
  if (v.charCodeAt(i) === 0x3a) {
    second = digits(v, i + 1, 2, 2);
    if (second < 0 || second > 59) return -1;
    i += 3;
  }
  j = skipWsp(v, i);
  if (j === i) return -1;
  const sign = v.charCodeAt(j);
  if (sign !== 0x2b /* + */ && sign !== 0x2d /* - */) return -1;
  const zh = digits(v, j + 1, 2, 2);
  const zm = digits(v, j + 3, 2, 2);
  if (zh < 0 || zh > 23 || zm < 0 || zm > 59) return -1;
  i = skipWsp(v, j + 5);
  // A trailing comment ("(CET)") and nothing else may follow.
  if (i < n) {
    if (v.charCodeAt(i) !== 0x28 /* ( */) return -1;
    const close = v.indexOf(')', i);
    if (close < 0 || v.indexOf('(', i + 1) >= 0 && v.indexOf('(', i + 1) < close) return -1;
    if (skipWsp(v, close + 1) !== n) return -1;
  }
  if (day < 1 || day > DAYS_IN_MONTH[month]! || (month === 1 && day === 29 && !leap(year))) return -1;
  const offset = (zh * 60 + zm) * 60_000 * (sign === 0x2d ? -1 : 1);
  const t = Date.UTC(year, month, day, hour, minute, second) - offset;
  return t >= 0 ? t : -1;
}

function leap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function skipWsp(v: string, i: number): number {
  while (i < v.length) {
    const c = v.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
    i++;
  }
  return i;
}

function isDigit(v: string, i: number): boolean {
  const c = v.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** The decimal number of `min`..`max` digits at `i` (as many as there are, up to max); -1 if fewer than min. */
function digits(v: string, i: number, min: number, max: number): number {
  let value = 0;
  let k = 0;
  for (; k < max && i + k < v.length; k++) {
    const d = v.charCodeAt(i + k) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  return k < min ? -1 : value;
}
