import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowLru } from '../../../src/flow/lru.js';
import { FlowState } from '../../../src/flow/flow-state.js';

function flow(id: number): FlowState {
  return new FlowState(id, id, 4, id, id + 1, null, 1000 + id, 25, [], 0);
}

function order(lru: FlowLru): number[] {
  const out: number[] = [];
  for (let f = lru.head; f; f = f.lruNext) out.push(f.id);
  const back: number[] = [];
  for (let f = lru.tail; f; f = f.lruPrev) back.push(f.id);
  assert.deepEqual(back.reverse(), out, 'links agree both ways');
  return out;
}

test('pushFront, touch and unlink keep most recent first and the LRU at the tail', () => {
  const lru = new FlowLru();
  const fs = [1, 2, 3, 4].map(flow);
  for (const f of fs) lru.pushFront(f);
  assert.deepEqual(order(lru), [4, 3, 2, 1]);
  assert.equal(lru.tail!.id, 1);
  lru.touch(fs[0]!);
  assert.deepEqual(order(lru), [1, 4, 3, 2]);
  lru.touch(fs[0]!); // already the head
  assert.deepEqual(order(lru), [1, 4, 3, 2]);
  lru.unlink(fs[2]!); // middle
  assert.deepEqual(order(lru), [1, 4, 2]);
  lru.unlink(fs[1]!); // tail
  assert.equal(lru.tail!.id, 4);
  lru.unlink(fs[0]!); // head
  assert.deepEqual(order(lru), [4]);
  lru.unlink(fs[3]!);
  assert.equal(lru.head, null);
  assert.equal(lru.tail, null);
});
