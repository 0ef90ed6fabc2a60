import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SEQ_JUMP_LIMIT, seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt } from '../../../src/flow/seq.js';

test('seqDiff: signed distance across the 2^32 wrap', () => {
  assert.equal(seqDiff(5, 0xfffffffb), 10);
  assert.equal(seqDiff(0xfffffffb, 5), -10);
  assert.equal(seqDiff(100, 100), 0);
  assert.equal(seqDiff(0x80000000, 0), -0x80000000);
});

test('comparisons wrap', () => {
  assert.ok(seqLt(0xffffff00, 0x10));
  assert.ok(seqGt(0x10, 0xffffff00));
  assert.ok(seqLe(7, 7) && seqGe(7, 7));
  assert.ok(!seqLt(7, 7) && !seqGt(7, 7));
  assert.ok(seqLt(1, 2) && !seqLt(2, 1));
});

test('seqAdd wraps to unsigned 32-bit', () => {
  assert.equal(seqAdd(0xffffffff, 1), 0);
  assert.equal(seqAdd(0xfffffff0, 0x20), 0x10);
  assert.equal(seqAdd(10, 5), 15);
});

test('SEQ_JUMP_LIMIT is 1 GiB, well inside the comparable half space', () => {
  assert.equal(SEQ_JUMP_LIMIT, 2 ** 30);
  assert.ok(seqGt(seqAdd(0xfffffff0, SEQ_JUMP_LIMIT), 0xfffffff0));
});
