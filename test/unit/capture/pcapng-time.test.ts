import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTsClock, tsClockMicros } from '../../../src/capture/pcapng-time.js';
import { splitTs } from './capture-builders.js';

/** The exact answer with BigInt: floor(units * 10^6 / unitsPerSecond) + offset. */
function exact(units: bigint, unitsPerSecond: bigint, offsetSec = 0n): number {
  return Number((units * 1_000_000n) / unitsPerSecond + offsetSec * 1_000_000n);
}

function micros(tsresol: number, units: bigint, offsetSec = 0): number {
  const { hi, lo } = splitTs(units);
  return tsClockMicros(createTsClock(tsresol, offsetSec), hi, lo);
}

const SECONDS = 1_732_000_000n; // 2024-11: timestamps large enough to need the high word

test('every power-of-ten resolution gives floor(microseconds)', () => {
  for (let n = 0; n <= 19; n++) {
    const ups = 10n ** BigInt(n);
    // a fraction just under the next microsecond where the unit allows it
    // high resolutions cannot hold 2024 in 64 bits: use the largest whole second that fits
    const secs = SECONDS * ups < 1n << 63n ? SECONDS : (1n << 63n) / ups;
    const units = secs * ups + (ups > 1_000_000n ? ups / 3n - 1n : ups / 2n);
    assert.ok(units < 1n << 64n);
    assert.equal(micros(n, units), exact(units, ups), `10^-${n}`);
  }
});

test('nanoseconds floor, never round', () => {
  const units = SECONDS * 1_000_000_000n + 123_456_999n;
  assert.equal(micros(9, units), Number(SECONDS) * 1_000_000 + 123_456);
});

test('power-of-two resolutions, including 2^-10 and 2^-32 and beyond', () => {
  for (const n of [0, 1, 10, 20, 30, 32, 33, 40]) {
    const ups = 1n << BigInt(n);
    const units = (SECONDS % (1n << BigInt(64 - n - 1))) * ups + ups / 3n;
    assert.equal(micros(0x80 | n, units), exact(units, ups), `2^-${n}`);
  }
  // 2^-10: 1 unit = 976.5625 µs
  assert.equal(micros(0x80 | 10, SECONDS * 1024n + 1n), Number(SECONDS) * 1_000_000 + 976);
});

test('if_tsoffset adds whole seconds, also negative', () => {
  assert.equal(micros(6, 5_000_000n, 100), 105_000_000);
  assert.equal(micros(9, 5_000_000_000n, -2), 3_000_000);
  assert.equal(micros(0x80 | 10, 2048n, 1), 3_000_000);
});
