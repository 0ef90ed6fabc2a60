// Issue 13 item 4: pcapng times of any value. Before the fix a block near 2^64 µs became a `ts`
// the events schema rejects (or a RangeError in the worker); now every time is clamped into the
// range mailtap carries and the frame says so (counted as capture_bad_timestamp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngReader } from '../../../src/capture/pcapng-format.js';
import { MAX_TS_MICROS, MIN_TS_MICROS, clampTsMicros, isoMicros } from '../../../src/shared/time.js';
import { ngEpb, ngIdb, ngShb, ngSpb, packetBytes, readAllRecords } from './capture-builders.js';

const TS_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const P = packetBytes(60, 1);

function times(idb: Buffer, ...units: bigint[]): { tsMicros: number; tsClamped?: true }[] {
  const bytes = Buffer.concat([ngShb(true), idb, ...units.map((u) => ngEpb(true, 0, u, P)), ngSpb(true, P)]);
  const { frames } = readAllRecords(new PcapngReader(), bytes);
  return frames.map((f) => (f.tsClamped === true ? { tsMicros: f.tsMicros, tsClamped: true } : { tsMicros: f.tsMicros }));
}

test('the range ends format as valid `ts` values', () => {
  assert.equal(isoMicros(MIN_TS_MICROS), '1970-01-01T00:00:00.000000Z');
  assert.equal(isoMicros(MAX_TS_MICROS), '2255-06-05T23:47:34.740991Z');
  for (const t of [MIN_TS_MICROS, MAX_TS_MICROS, 1_700_000_000_123_456]) assert.match(isoMicros(t), TS_PATTERN);
  assert.deepEqual([clampTsMicros(-1), clampTsMicros(Number.NaN), clampTsMicros(2 ** 64), clampTsMicros(42)], [0, 0, MAX_TS_MICROS, 42]);
});

test('a block near 2^64 µs is clamped to the last representable time and flagged; the SPB after it too', () => {
  const got = times(ngIdb(true, 1, 0), 2n ** 64n - 1n, 1_700_000_000_000_000n);
  assert.deepEqual(got, [
    { tsMicros: MAX_TS_MICROS, tsClamped: true },
    { tsMicros: 1_700_000_000_000_000 },
    { tsMicros: 1_700_000_000_000_000 }, // SPB: the last EPB's time, not clamped
  ]);
});

test('if_tsresol of seconds with 2^40 s, and 2^-n resolutions beyond 32 bits, are clamped when out of range', () => {
  const secs = times(ngIdb(true, 1, 0, { tsresol: 0 }), 2n ** 40n, 1_700_000_000n);
  assert.deepEqual(secs.slice(0, 2), [{ tsMicros: MAX_TS_MICROS, tsClamped: true }, { tsMicros: 1_700_000_000_000_000 }]);
  const tiny = times(ngIdb(true, 1, 0, { tsresol: 0x80 | 60 }), 2n ** 64n - 1n);
  assert.deepEqual(tiny[0], { tsMicros: 15_999_999, }); // 2^64 / 2^60 s = 16 s: in range
});

test('a negative if_tsoffset that puts packets before 1970 clamps them to the epoch, flagged', () => {
  const got = times(ngIdb(true, 1, 0, { tsoffset: -2_000_000_000n }), 1_700_000_000_000_000n);
  assert.deepEqual(got[0], { tsMicros: 0, tsClamped: true });
  // A negative offset that keeps the time after 1970 is a valid time.
  assert.deepEqual(times(ngIdb(true, 1, 0, { tsoffset: -100n }), 1_700_000_000_000_000n)[0], { tsMicros: 1_699_999_900_000_000 });
  // And a huge positive offset: clamped at the top.
  assert.deepEqual(times(ngIdb(true, 1, 0, { tsoffset: 2n ** 62n }), 0n)[0], { tsMicros: MAX_TS_MICROS, tsClamped: true });
});
