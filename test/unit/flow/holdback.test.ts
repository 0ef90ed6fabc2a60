import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Holdback, HoldbackBudget } from '../../../src/flow/holdback.js';

function drainAll(h: Holdback): Array<[number, string | number]> {
  const out: Array<[number, string | number]> = [];
  while (h.count > 0) {
    const b = h.firstBuf();
    out.push([h.firstSeq(), b ? b.toString('latin1') : h.firstLen()]);
    h.dropFirst();
  }
  return out;
}

test('keeps ranges ordered and copies the bytes (views are borrowed)', () => {
  const budget = new HoldbackBudget(1 << 20);
  const h = new Holdback(budget, 1 << 20);
  const src = Buffer.from('world');
  assert.equal(h.insert(110, src, 5), 'held');
  src.fill(0x78); // the capture buffer is reused: the copy must not change
  assert.equal(h.insert(100, Buffer.from('hello'), 5), 'held');
  assert.equal(h.bytes, 10);
  assert.equal(budget.used, 10);
  assert.deepEqual(drainAll(h), [[100, 'hello'], [110, 'world']]);
  assert.equal(budget.used, 0);
  assert.equal(h.bytes, 0);
});

test('overlaps: held bytes win, only the new pieces are stored', () => {
  const budget = new HoldbackBudget(1 << 20);
  const h = new Holdback(budget, 1 << 20);
  h.insert(10, Buffer.from('CDE'), 3);
  h.insert(20, Buffer.from('MN'), 2);
  assert.equal(h.insert(8, Buffer.from('abCDEfghijklMNop'), 16), 'held');
  assert.ok(h.overlapped);
  assert.ok(!h.mismatch, 'equal overlapping bytes are no mismatch');
  assert.equal(budget.used, 16);
  assert.deepEqual(drainAll(h), [
    [8, 'ab'],
    [10, 'CDE'],
    [13, 'fghijkl'],
    [20, 'MN'],
    [22, 'op'],
  ]);
});

test('overlapping bytes that differ are flagged, the first copy is kept', () => {
  const h = new Holdback(new HoldbackBudget(1 << 20), 1 << 20);
  h.insert(10, Buffer.from('AAAA'), 4);
  assert.equal(h.insert(12, Buffer.from('BBBB'), 4), 'held');
  assert.ok(h.mismatch);
  assert.deepEqual(drainAll(h), [[10, 'AAAA'], [14, 'BB']]);
});

test('a range entirely held already is a duplicate', () => {
  const h = new Holdback(new HoldbackBudget(1 << 20), 1 << 20);
  h.insert(10, Buffer.from('abcdef'), 6);
  assert.equal(h.insert(11, Buffer.from('bcd'), 3), 'dup');
  assert.ok(!h.mismatch);
  assert.equal(h.insert(11, Buffer.from('xcd'), 3), 'dup');
  assert.ok(h.mismatch);
  assert.equal(h.count, 1);
});

test('known-missing tail of a snaplen-cut segment is held as a range without bytes', () => {
  const budget = new HoldbackBudget(1 << 20);
  const h = new Holdback(budget, 1 << 20);
  assert.equal(h.insert(100, Buffer.from('abc'), 10), 'held');
  assert.equal(h.bytes, 3, 'missing bytes cost nothing');
  assert.deepEqual(drainAll(h), [[100, 'abc'], [103, 7]]);
});

test('ordering across the 2^32 wrap', () => {
  const h = new Holdback(new HoldbackBudget(1 << 20), 1 << 20);
  h.insert(5, Buffer.from('after'), 5);
  h.insert(0xfffffffe, Buffer.from('be'), 2);
  h.insert(0, Buffer.from('01234'), 5);
  assert.deepEqual(drainAll(h), [[0xfffffffe, 'be'], [0, '01234'], [5, 'after']]);
});

test('per-flow cap: exactly at the cap is held, one byte past it is refused untouched', () => {
  const h = new Holdback(new HoldbackBudget(1 << 20), 10);
  assert.equal(h.insert(0, Buffer.alloc(6, 0x61), 6), 'held');
  assert.equal(h.insert(6, Buffer.alloc(4, 0x62), 4), 'held');
  assert.equal(h.bytes, 10);
  assert.equal(h.insert(10, Buffer.alloc(1, 0x63), 1), 'full');
  assert.equal(h.bytes, 10);
  assert.equal(h.count, 2);
});

test('global budget is shared by every holdback', () => {
  const budget = new HoldbackBudget(8);
  const h1 = new Holdback(budget, 100);
  const h2 = new Holdback(budget, 100);
  assert.equal(h1.insert(0, Buffer.alloc(5), 5), 'held');
  assert.equal(h2.insert(0, Buffer.alloc(3), 3), 'held');
  assert.equal(budget.used, 8);
  assert.equal(h2.insert(10, Buffer.alloc(1), 1), 'full');
  h1.clear();
  assert.equal(budget.used, 3);
  assert.equal(h2.insert(10, Buffer.alloc(1), 1), 'held');
  assert.equal(budget.used, 4);
});
