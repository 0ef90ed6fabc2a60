// The strict RFC 5322 date fast path (src/mime/date-time.ts) must give V8's Date.parse answer on
// every input it accepts, and decline (fall back) rather than differ: generated strings cover the
// strict form, days past the month's end, leap years, 60th seconds, hour 24, odd zones and spacing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDateIso, parseStrictDate } from '../../src/mime/date-time.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const pad = (n: number, w: number) => String(n).padStart(w, '0');

const dateString = fc
  .record({
    dow: fc.option(fc.constantFrom(...DAYS), { nil: undefined }),
    comma: fc.constantFrom(', ', ','),
    day: fc.integer({ min: 0, max: 32 }),
    month: fc.constantFrom(...MONTHS),
    year: fc.integer({ min: 990, max: 9999 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.option(fc.integer({ min: 0, max: 61 }), { nil: undefined }),
    sign: fc.constantFrom('+', '-'),
    zh: fc.integer({ min: 0, max: 14 }),
    zm: fc.constantFrom(0, 15, 30, 45, 59, 60, 99),
    extra: fc.constantFrom('', ' ', ' (UTC)', '  '),
  })
  .map((r) =>
    `${r.dow === undefined ? '' : r.dow + r.comma}${r.day} ${r.month} ${pad(r.year, 4)} ${pad(r.hour, 2)}:${pad(r.minute, 2)}${r.second === undefined ? '' : ':' + pad(r.second, 2)} ${r.sign}${pad(r.zh, 2)}${pad(r.zm, 2)}${r.extra}`,
  );

test('the strict date fast path equals Date.parse wherever it answers', () => {
  let accepted = 0;
  fc.assert(
    fc.property(dateString, (s) => {
      const fast = parseStrictDate(s.trim());
      const reference = Date.parse(s.replace(/\([^)]*\)/g, ' ').trim());
      if (fast !== undefined) {
        accepted++;
        assert.equal(fast, reference, s);
      }
      const iso = parseDateIso(s);
      assert.equal(iso, Number.isNaN(reference) ? undefined : new Date(reference).toISOString(), s);
    }),
    { numRuns: 20_000 },
  );
  assert.ok(accepted > 5_000, `the fast path answered only ${accepted} of 20,000`);
});

test('inputs outside the strict form fall back to the lenient parse', () => {
  assert.equal(parseStrictDate('31 Apr 2024 10:00:00 +0000'), undefined);
  assert.equal(parseDateIso('31 Apr 2024 10:00:00 +0000'), '2024-05-01T10:00:00.000Z');
  assert.equal(parseStrictDate('15 Jan 2024 09:00:00 GMT'), undefined);
  assert.equal(parseDateIso('15 Jan 2024 09:00:00 GMT'), '2024-01-15T09:00:00.000Z');
  assert.equal(parseDateIso('Mon, 15 Jan 2024 09:00:00 -0000 (UTC)'), '2024-01-15T09:00:00.000Z');
  assert.equal(parseStrictDate('29 Feb 2024 23:59:59 +1400'), Date.parse('29 Feb 2024 23:59:59 +1400'));
  assert.equal(parseDateIso('not a date'), undefined);
});
