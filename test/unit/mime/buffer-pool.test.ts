// buffer-pool: reuse by exact size, bounded free lists.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acquireBuffer, releaseBuffer } from '../../../src/mime/buffer-pool.js';

test('a released buffer is handed out again for the same size only', () => {
  const size = 12345;
  const a = acquireBuffer(size);
  assert.equal(a.length, size);
  releaseBuffer(a);
  const other = acquireBuffer(size + 1);
  assert.notEqual(other, a);
  assert.equal(acquireBuffer(size), a);
  assert.notEqual(acquireBuffer(size), a);
});

test('free lists keep at most 16 buffers per size', () => {
  const size = 777;
  const given = Array.from({ length: 17 }, () => acquireBuffer(size));
  for (const b of given) releaseBuffer(b);
  const back = new Set(Array.from({ length: 17 }, () => acquireBuffer(size)));
  let reused = 0;
  for (const b of given) if (back.has(b)) reused++;
  assert.equal(reused, 16);
});
