// Issue 13 item 8: the packet clock that drives idle expiry ignores jumps no later packet confirms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLOCK_CONFIRMATIONS, CLOCK_JUMP_MICROS, PacketClock } from '../../../src/flow/packet-clock.js';

const T = 1_700_000_000_000_000;
const DAY = 86_400_000_000;

test('ordinary packet time moves the clock forward, never back', () => {
  const c = new PacketClock();
  assert.equal(c.observe(T), T);
  assert.equal(c.observe(T + 5), T + 5);
  assert.equal(c.observe(T + 2), T + 5, 'a slightly older packet (reordering) does not move it back');
  assert.equal(c.observe(T + CLOCK_JUMP_MICROS + 5), T + CLOCK_JUMP_MICROS + 5, 'a step at the limit is taken');
});

test('one stray packet ten days ahead is ignored; so are strays interleaved with normal traffic', () => {
  const c = new PacketClock();
  c.observe(T);
  assert.equal(c.observe(T + 10 * DAY), T);
  assert.equal(c.observe(T + 1000), T + 1000);
  for (let i = 0; i < 5; i++) {
    assert.equal(c.observe(T + 10 * DAY + i), T + 1000 + i);
    assert.equal(c.observe(T + 1000 + i + 1), T + 1000 + i + 1);
  }
  assert.equal(c.ignoredJumps, 6);
});

test('a real jump (a pause in the capture) is followed once the next packets agree with it', () => {
  const c = new PacketClock();
  c.observe(T);
  const later = T + 20 * 60_000_000;
  for (let i = 0; i < CLOCK_CONFIRMATIONS; i++) assert.equal(c.observe(later + i), T, `not yet after ${i + 1}`);
  assert.equal(c.observe(later + CLOCK_CONFIRMATIONS), later + CLOCK_CONFIRMATIONS, 'confirmed');
  assert.equal(c.observe(later + 100), later + 100);
});

test('a jump one step past the limit needs confirmation; a stray stamped far back is ignored too', () => {
  const c = new PacketClock();
  c.observe(T);
  assert.equal(c.observe(T + CLOCK_JUMP_MICROS + 1), T);
  const back = new PacketClock();
  back.observe(T + DAY);
  assert.equal(back.observe(T), T + DAY);
  assert.equal(back.observe(T + DAY + 1), T + DAY + 1);
  // A capture that really starts from a wrong first record follows the others once they agree.
  const first = new PacketClock();
  first.observe(T + 10 * DAY);
  for (let i = 0; i <= CLOCK_CONFIRMATIONS; i++) first.observe(T + i);
  assert.equal(first.now, T + CLOCK_CONFIRMATIONS);
});

test('advanceTo (the wall clock of live capture) is trusted', () => {
  const c = new PacketClock();
  c.observe(T);
  c.advanceTo(T + DAY);
  assert.equal(c.now, T + DAY);
});
