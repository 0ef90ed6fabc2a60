import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingQueue } from '../../../src/smtp/pending-queue.js';

test('FIFO order, peek, clear, and compaction over a long pipelined session', () => {
  const q = new PendingQueue();
  assert.equal(q.shift(), undefined);
  for (let i = 0; i < 1000; i++) {
    q.push({ trigger: 'NOOP', tx: null, arg: i });
    q.push({ trigger: 'RCPT', tx: null, arg: i });
    assert.equal(q.peek()!.arg, i);
    assert.equal(q.shift()!.trigger, 'NOOP');
    assert.deepEqual(q.shift(), { trigger: 'RCPT', tx: null, arg: i });
  }
  assert.equal(q.length, 0);
  q.push({ trigger: 'MAIL', tx: null, arg: 1 });
  q.push({ trigger: 'DATA', tx: null, arg: 2 });
  assert.equal(q.length, 2);
  assert.deepEqual(q.clear().map((c) => c.trigger), ['MAIL', 'DATA']);
  assert.equal(q.length, 0);
  assert.equal(q.peek(), undefined);
});

test('emptied by replies, the queue starts over (no answered entries kept) and stays FIFO', () => {
  const q = new PendingQueue();
  for (let round = 0; round < 3; round++) {
    q.push({ trigger: 'EHLO', tx: null, arg: round });
    q.push({ trigger: 'MAIL', tx: null, arg: round });
    assert.equal(q.length, 2);
    assert.equal(q.shift()?.arg, round);
    assert.equal(q.indexOf('MAIL'), 0);
    assert.equal(q.shift()?.trigger, 'MAIL');
    assert.equal(q.length, 0);
    assert.equal(q.peek(), undefined);
    assert.equal(q.shift(), undefined);
  }
});
