// TotalBudget: the total cap holds at the limit and one past it, releases give bytes back, and two
// views of one SharedArrayBuffer (two workers) count against the same total.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TotalBudget } from '../../../src/extract/budget.js';

test('reserving exactly the cap succeeds, one byte more fails and reserves nothing', () => {
  const b = new TotalBudget(100);
  assert.equal(b.reserve(60), true);
  assert.equal(b.reserve(40), true);
  assert.equal(b.usedBytes, 100);
  assert.equal(b.reserve(1), false);
  assert.equal(b.usedBytes, 100);
});

test('one past the cap in a single reservation fails', () => {
  const b = new TotalBudget(100);
  assert.equal(b.reserve(101), false);
  assert.equal(b.usedBytes, 0);
  assert.equal(b.reserve(100), true);
});

test('release returns bytes to the budget', () => {
  const b = new TotalBudget(10);
  assert.equal(b.reserve(10), true);
  b.release(4);
  assert.equal(b.usedBytes, 6);
  assert.equal(b.reserve(4), true);
  assert.equal(b.reserve(1), false);
  b.release(0);
  assert.equal(b.usedBytes, 10);
});

test('two budgets over one shared counter share the cap (several workers)', () => {
  const sab = new SharedArrayBuffer(8);
  const a = new TotalBudget(50, sab);
  const b = new TotalBudget(50, sab);
  assert.equal(a.reserve(30), true);
  assert.equal(b.reserve(21), false);
  assert.equal(b.reserve(20), true);
  assert.equal(a.usedBytes, 50);
  a.release(30);
  assert.equal(b.usedBytes, 20);
});
