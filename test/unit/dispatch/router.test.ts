import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeFlow } from '../../../src/dispatch/router.js';

test('routeFlow is stable and in range', () => {
  for (const n of [1, 2, 3, 4, 7, 16, 64]) {
    for (let flow = 0; flow < 2000; flow++) {
      const w = routeFlow(flow, n);
      assert.ok(Number.isInteger(w) && w >= 0 && w < n, `flow ${flow} → ${w} of ${n}`);
      assert.equal(routeFlow(flow, n), w);
    }
  }
});

test('one worker takes every flow', () => {
  for (const flow of [0, 1, 2 ** 31, 2 ** 40 + 3]) assert.equal(routeFlow(flow, 1), 0);
});

test('sequential flow ids spread evenly (within 10% of the mean)', () => {
  for (const n of [2, 3, 4, 7, 8, 16]) {
    const counts = new Array<number>(n).fill(0);
    const total = 20_000;
    for (let flow = 1; flow <= total; flow++) counts[routeFlow(flow, n)]!++;
    const mean = total / n;
    for (const c of counts) assert.ok(Math.abs(c - mean) < mean * 0.1, `n=${n} counts=${counts.join(',')}`);
  }
});

test('ids differing only above 2^32 do not all land on one worker', () => {
  const seen = new Set<number>();
  for (let hi = 0; hi < 64; hi++) seen.add(routeFlow(hi * 2 ** 32 + 5, 8));
  assert.ok(seen.size > 4, `only ${seen.size} workers used`);
});
