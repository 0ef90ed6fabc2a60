import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ABSENT_HALF, FlowState, HalfState, Phase } from '../../../src/flow/flow-state.js';

test('FlowState packs phase and flags independently', () => {
  const f = new FlowState(1, 0, 6, 0, 0, Buffer.alloc(32), 1, 2, [], 0);
  assert.equal(f.family, 6);
  assert.equal(f.phase, Phase.Pending);
  assert.equal(f.clientIsA, true);
  f.phase = Phase.Open;
  f.midstream = true;
  f.ignored = true;
  f.waiting = true;
  f.truncatedReported = true;
  f.clientIsA = false;
  assert.deepEqual([f.phase, f.midstream, f.ignored, f.waiting, f.truncatedReported, f.clientIsA, f.family], [Phase.Open, true, true, true, true, false, 6]);
  f.phase = Phase.Closed;
  f.waiting = false;
  assert.deepEqual([f.phase, f.midstream, f.ignored, f.waiting, f.truncatedReported, f.clientIsA], [Phase.Closed, true, true, false, true, false]);
  assert.equal(new FlowState(2, 0, 4, 0, 0, null, 1, 2, [], 0).family, 4);
});

test('client/server halves and directions follow clientIsA', () => {
  const f = new FlowState(1, 0, 4, 0, 0, null, 1, 2, [], 0);
  assert.equal(f.client(), f.a);
  assert.equal(f.dirOf(f.a), 'c2s');
  assert.equal(f.dirOf(f.b), 's2c');
  f.clientIsA = false;
  assert.equal(f.client(), f.b);
  assert.equal(f.server(), f.a);
  assert.equal(f.dirOf(f.a), 's2c');
});

test('HalfState flags are independent', () => {
  const h = new HalfState();
  h.seen = true;
  h.hasAck = true;
  assert.deepEqual([h.seen, h.hasSeq, h.finSeen, h.hasAck], [true, false, false, true]);
  h.seen = false;
  h.finSeen = true;
  h.hasSeq = true;
  assert.deepEqual([h.seen, h.hasSeq, h.finSeen, h.hasAck], [false, true, true, true]);
  assert.equal(h.waitSince, -1);
});

test('side B shares the frozen ABSENT_HALF until bHalf() gives it its own state', () => {
  const f = new FlowState(1, 0, 4, 0, 0, null, 1, 2, [], 0);
  const g = new FlowState(2, 0, 4, 0, 0, null, 1, 2, [], 0);
  assert.equal(f.b, ABSENT_HALF);
  assert.equal(g.b, ABSENT_HALF);
  assert.deepEqual([f.b.seen, f.b.hasSeq, f.b.finSeen, f.b.hasAck, f.b.hold, f.b.delivered, f.b.waitSince], [false, false, false, false, null, 0, -1]);
  assert.throws(() => {
    f.b.seen = true;
  }, TypeError);
  assert.throws(() => {
    f.b.delivered = 1;
  }, TypeError);
  const b = f.bHalf();
  assert.notEqual(b, ABSENT_HALF);
  assert.equal(f.bHalf(), b, 'created once');
  b.seen = true;
  assert.equal(f.b.seen, true);
  assert.equal(g.b.seen, false, 'other flows unaffected');
  assert.equal(ABSENT_HALF.seen, false);
});
