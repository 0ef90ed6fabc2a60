import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundaryStack, sniffBoundary } from '../../../src/mime/multipart.js';

function stack(...bs: string[]): BoundaryStack {
  const s = new BoundaryStack();
  bs.forEach((b, i) => s.push(Buffer.from(b), i, false));
  return s;
}
const m = (s: BoundaryStack, line: string) => {
  const b = Buffer.from(line);
  return s.match(b, 0, b.length);
};

test('delimiter and close delimiter, trailing whitespace allowed', () => {
  const s = stack('abc');
  assert.deepEqual(m(s, '--abc'), { index: 0, close: false });
  assert.deepEqual(m(s, '--abc-- \t'), { index: 0, close: true });
  assert.deepEqual(m(s, '--abc \t'), { index: 0, close: false });
  assert.equal(m(s, '--abcd'), undefined);
  assert.equal(m(s, '--ab'), undefined);
  assert.equal(m(s, ' --abc'), undefined);
  assert.equal(m(s, '--abc-x'), undefined);
});

test('a boundary that is a prefix of another matches the right frame', () => {
  const s = stack('abc', 'abcdef');
  assert.deepEqual(m(s, '--abcdef'), { index: 1, close: false });
  assert.deepEqual(m(s, '--abcdef--'), { index: 1, close: true });
  assert.deepEqual(m(s, '--abc'), { index: 0, close: false });
  assert.deepEqual(m(s, '--abc--'), { index: 0, close: true });
});

test('popTo keeps the frames below', () => {
  const s = stack('a', 'b', 'c');
  s.popTo(1, false);
  assert.equal(s.size, 2);
  s.popTo(0, true);
  assert.equal(s.size, 0);
});

test('sniffBoundary takes a -- line within the length limit', () => {
  const b = Buffer.from('--guess  ');
  assert.equal(sniffBoundary(b, 0, b.length, 5)?.toString(), 'guess');
  assert.equal(sniffBoundary(b, 0, b.length, 4), undefined);
  const t = Buffer.from('text');
  assert.equal(sniffBoundary(t, 0, t.length, 70), undefined);
});
