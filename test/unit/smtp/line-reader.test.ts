import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineReader } from '../../../src/smtp/line-reader.js';

/** Frames every line of `chunks` (fed in order); returns [line, truncated, bareLf] per line. */
function frame(r: LineReader, chunks: Buffer[]): [string, boolean, boolean][] {
  const out: [string, boolean, boolean][] = [];
  for (const c of chunks) {
    let off = 0;
    while (off < c.length) {
      off = r.read(c, off);
      if (r.line !== null) out.push([r.line.toString('latin1'), r.truncated, r.bareLf]);
    }
  }
  return out;
}

test('CRLF and bare LF lines, empty lines, carried across every split point', () => {
  const input = Buffer.from('EHLO a\r\n\r\nNOOP\nMAIL FROM:<x>\r\n');
  const want: [string, boolean, boolean][] = [['EHLO a', false, false], ['', false, false], ['NOOP', false, true], ['MAIL FROM:<x>', false, false]];
  for (let k = 0; k <= input.length; k++) {
    assert.deepEqual(frame(new LineReader(100), [input.subarray(0, k), input.subarray(k)]), want, `split at ${k}`);
  }
});

test('line length: exactly the limit passes, one past it is truncated and the rest skipped', () => {
  for (const split of [0, 3, 10, 11, 12]) {
    const r = new LineReader(10);
    const input = Buffer.from('0123456789\r\n0123456789A\r\nok\r\n');
    const lines = frame(r, [input.subarray(0, split), input.subarray(split)]);
    assert.deepEqual(lines, [['0123456789', false, false], ['0123456789', true, false], ['ok', false, false]], `split ${split}`);
  }
  const r = new LineReader(10);
  const long = Buffer.from(`${'z'.repeat(1000)}\r\nnext\r\n`);
  const chunks = [];
  for (let i = 0; i < long.length; i += 7) chunks.push(long.subarray(i, i + 7));
  assert.deepEqual(frame(r, chunks), [['zzzzzzzzzz', true, false], ['next', false, false]]);
  assert.equal(r.pending, 0);
});

test('raw mode hands out exactly N bytes, then lines again', () => {
  const r = new LineReader(100);
  const c = Buffer.from('abcdefBDAT 1\r\n');
  r.startRaw(4);
  let off = r.readRaw(c, 0);
  assert.equal(r.raw!.toString(), 'abcd');
  assert.equal(r.rawRemaining, 0);
  off = r.read(c, off);
  assert.equal(r.line!.toString(), 'efBDAT 1');
  assert.equal(off, c.length);
});

test('a gap drops the partial line and eats raw bytes first', () => {
  const r = new LineReader(100);
  r.read(Buffer.from('MAIL FR'), 0);
  assert.equal(r.pending, 7);
  assert.equal(r.gap(5), 0);
  assert.equal(r.pending, 0);
  r.startRaw(10);
  assert.equal(r.gap(4), 4);
  assert.equal(r.rawRemaining, 6);
  assert.equal(r.gap(20), 6);
  assert.equal(r.rawRemaining, 0);
});

test('flush returns the last line without its CRLF', () => {
  const r = new LineReader(100);
  r.read(Buffer.from('QUIT'), 0);
  assert.equal(r.flush()!.toString(), 'QUIT');
  assert.equal(r.flush(), null);
});
