import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeferQueue } from '../../../src/flow/deferred.js';
import { HoldbackBudget } from '../../../src/flow/holdback.js';

test('DeferQueue: barrier order, arrival order for equal barriers, exact budget accounting', () => {
  const budget = new HoldbackBudget(1 << 20);
  const q = new DeferQueue(budget);
  q.push(10, Buffer.from('aaa'), 3, 500);
  q.push(13, Buffer.from('bb'), 4, 400); // snaplen-cut: 2 of 4 bytes captured
  q.push(17, Buffer.from('c'), 1, 500);
  assert.equal(q.count, 3);
  assert.equal(q.bytes, 6);
  assert.equal(budget.used, 6);
  assert.equal(q.minSeq(), 10);
  assert.deepEqual([q.firstSeq(), q.firstLen(), q.firstAck(), q.firstBuf().toString()], [13, 4, 400, 'bb']);
  q.dropFirst();
  assert.deepEqual([q.firstSeq(), q.firstBuf().toString()], [10, 'aaa']);
  q.removeAt(1);
  assert.deepEqual([q.count, q.bytes, budget.used, q.seqAt(0)], [1, 3, 3, 10]);
  q.clear();
  assert.deepEqual([q.count, q.bytes, budget.used], [0, 0, 0]);
});

test('DeferQueue: the queued copy does not alias the captured packet', () => {
  const q = new DeferQueue(new HoldbackBudget(100));
  const pkt = Buffer.from('hello');
  q.push(0, pkt, 5, 1);
  pkt.fill(0);
  assert.equal(q.firstBuf().toString(), 'hello');
});
