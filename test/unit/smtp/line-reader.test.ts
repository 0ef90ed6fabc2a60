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

test('a long line fed a byte at a time: the carry grows from its small start and keeps every byte (issue 13 item 12)', () => {
  // The carry starts small and doubles up to the limit + 1 (an idle session keeps none): lines
  // around and past each size step must come out whole, or cut at exactly the limit.
  for (const len of [1, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 4097, 9000]) {
    const r = new LineReader(4096);
    const body = Buffer.alloc(len);
    for (let i = 0; i < len; i++) body[i] = 0x41 + (i % 26);
    const input = Buffer.concat([body, Buffer.from('\r\nNEXT\r\n')]);
    const chunks = Array.from(input, (b) => Buffer.from([b]));
    const lines = frame(r, chunks);
    const want = body.subarray(0, Math.min(len, 4096)).toString('latin1');
    assert.deepEqual(lines, [[want, len > 4096, false], ['NEXT', false, false]], `length ${len}`);
    assert.equal(r.pending, 0);
  }
});

test('a partial line at the end of a chunk, then more bytes, then flush: the carried bytes are kept in order', () => {
  const r = new LineReader(4096);
  const a = Buffer.from('x'.repeat(200));
  const b = Buffer.from('y'.repeat(300));
  assert.equal(r.read(a, 0), a.length);
  assert.equal(r.read(b, 0), b.length);
  assert.equal(r.pending, 500);
  assert.equal(r.flush()?.toString('latin1'), `${'x'.repeat(200)}${'y'.repeat(300)}`);
  assert.equal(r.pending, 0);
  assert.equal(r.flush(), null);
});
