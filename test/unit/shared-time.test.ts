import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoMicros, isoMillis } from '../../src/shared/time.js';

test('isoMicros keeps six fractional digits', () => {
  assert.equal(isoMicros(1705309200123456), '2024-01-15T09:00:00.123456Z');
  assert.equal(isoMicros(1705309200000001), '2024-01-15T09:00:00.000001Z');
  assert.equal(isoMicros(0), '1970-01-01T00:00:00.000000Z');
});

test('isoMillis and isoMicros write what toISOString writes, over the whole four-digit range', () => {
  let seed = 99;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const edges = [0, 999, 1000, 86_399_999, 951_782_400_000 /* 2000-02-29 */, 4_107_542_399_999 /* 2100-02-28 */, 253_402_300_799_999];
  for (let i = 0; i < 20_000; i++) edges.push(Math.floor(rnd() * 253_402_300_800_000));
  for (const ms of edges) {
    assert.equal(isoMillis(ms), new Date(ms).toISOString(), String(ms));
    const us = ms * 1000 + 123;
    if (us > Number.MAX_SAFE_INTEGER) continue; // packet times end in 2255 (shared/time.ts MAX_TS_MICROS)
    assert.equal(isoMicros(us), `${new Date(ms).toISOString().slice(0, 19)}.${String((ms % 1000) * 1000 + 123).padStart(6, '0')}Z`, String(us));
  }
});
