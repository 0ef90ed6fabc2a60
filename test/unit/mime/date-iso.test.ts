// parseDateIso's hand-read path must give exactly what Date.parse + toISOString gave before it
// (issue 12 item 6): generated RFC 5322 dates, well formed and bent, are compared with that
// reference; and isoMillis with toISOString over the whole four-digit-year range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDateIso } from '../../../src/mime/date-iso.js';
import { isoMicros, isoMillis } from '../../../src/shared/time.js';

function reference(v: string): string | undefined {
  const t = Date.parse(v.replace(/\([^)]*\)/g, ' ').trim());
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec', 'jan', 'DEC', 'Foo'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun', 'mon', 'Xyz'];
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

const rfc5322Date = fc
  .record({
    dayName: fc.option(fc.constantFrom(...DAYS)),
    comma: fc.constantFrom(',', ', ', ',\t', ' ,'),
    day: fc.integer({ min: 0, max: 32 }),
    dayPad: fc.boolean(),
    month: fc.constantFrom(...MONTHS),
    year: fc.oneof(fc.integer({ min: 1965, max: 2100 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 9990, max: 10001 })),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.option(fc.integer({ min: 0, max: 61 })),
    sign: fc.constantFrom('+', '-', ''),
    zh: fc.integer({ min: 0, max: 25 }),
    zm: fc.integer({ min: 0, max: 61 }),
    zone: fc.constantFrom('num', 'GMT', 'UT', 'EST', 'PDT', 'Z'),
    comment: fc.constantFrom('', ' (CET)', ' (UTC)', '(x)', ' (a) (b)', ' junk', ' (unclosed'),
    ws: fc.constantFrom(' ', '  ', '\t', ' \r\n '),
    lead: fc.constantFrom('', ' ', '  '),
  })
  .map((d) => {
    const dayText = d.dayPad ? pad(d.day, 2) : String(d.day);
    const time = `${pad(d.hour, 2)}:${pad(d.minute, 2)}${d.second === null ? '' : `:${pad(d.second, 2)}`}`;
    const zone = d.zone === 'num' ? `${d.sign}${pad(d.zh, 2)}${pad(d.zm, 2)}` : d.zone;
    const head = d.dayName === null ? '' : `${d.dayName}${d.comma}`;
    return `${d.lead}${head}${dayText}${d.ws}${d.month}${d.ws}${d.year}${d.ws}${time}${d.ws}${zone}${d.comment}`;
  });

test('parseDateIso agrees with Date.parse + toISOString on generated RFC 5322 dates', () => {
  fc.assert(
    fc.property(rfc5322Date, (v) => {
      assert.equal(parseDateIso(v), reference(v), JSON.stringify(v));
    }),
    { numRuns: 20_000, seed: 5322 },
  );
});

test('parseDateIso agrees with the reference on dates of real mail and on edge cases', () => {
  const cases = [
    'Mon, 15 Jan 2024 09:00:00 -0000',
    ' Mon, 15 Jan 2024 08:59:57 -0000',
    'Tue, 3 Dec 2024 17:21:09 +0100 (CET)',
    'Thu, 29 Feb 2024 23:59:59 +1400',
    'Thu, 29 Feb 2023 12:00:00 +0000', // no such day: Date.parse decides
    'Sun, 31 Dec 9999 23:59:59 -0000',
    'Thu, 01 Jan 1970 00:30:00 +0100', // before the epoch in UTC
    '1 Jan 2024 00:00 +0000',
    'Wed, 15 Jan 2024 09:00:00 -0000', // wrong day name
    '15 Jan 2024 09:00:00 GMT',
    'Mon, 15 Jan 24 09:00:00 -0000',
    'Mon, 15 Jan 2024 9:00:00 -0000',
    'Mon, 15 Jan 2024 09:00:60 -0000',
    'Mon, 15 January 2024 09:00:00 -0000',
    'Mon, 15 j\u6a61n 2024 09:00:00 -0000', // a wide code unit must not alias a month's letters
    'not a date',
    '',
  ];
  for (const v of cases) assert.equal(parseDateIso(v), reference(v), JSON.stringify(v));
  assert.equal(parseDateIso('Mon, 15 Jan 2024 09:00:00 -0000'), '2024-01-15T09:00:00.000Z');
  assert.equal(parseDateIso('Tue, 3 Dec 2024 17:21:09 +0100 (CET)'), '2024-12-03T16:21:09.000Z');
});

test('isoMillis and isoMicros agree with toISOString over the four-digit years and past them', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e13, max: 2.6e14 }), (ms) => {
      assert.equal(isoMillis(ms), new Date(ms).toISOString());
    }),
    { numRuns: 50_000, seed: 8601 },
  );
  for (const ms of [0, 951_782_400_000 /* 2000-02-29 */, 253_402_300_799_999, 253_402_300_800_000, -1]) {
    assert.equal(isoMillis(ms), new Date(ms).toISOString());
  }
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
      const micros = ms * 1000 + (ms % 997);
      assert.equal(isoMicros(micros), `${new Date(ms).toISOString().slice(0, 19)}.${String(micros % 1_000_000).padStart(6, '0')}Z`);
    }),
    { numRuns: 20_000, seed: 1 },
  );
});
