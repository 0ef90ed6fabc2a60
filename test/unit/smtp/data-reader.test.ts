import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataReader } from '../../../src/smtp/data-reader.js';
import type { DataSink } from '../../../src/smtp/data-reader.js';

interface Run { message: string; rest: string; done: boolean; bareLf: number; smuggling: number }

function run(chunks: Buffer[]): Run {
  const d = new DataReader();
  const parts: Buffer[] = [];
  const sink: DataSink = { onMessageBytes: (b) => parts.push(Buffer.from(b)) };
  let rest = '';
  for (const c of chunks) {
    if (d.done) {
      rest += c.toString('latin1');
      continue;
    }
    const off = d.read(c, 0, sink);
    rest += c.toString('latin1', off);
  }
  const message = Buffer.concat(parts).toString('latin1');
  assert.equal(d.bytes, message.length);
  return { message, rest, done: d.done, bareLf: d.bareLfSeen, smuggling: d.smugglingSeen };
}

function everySplit(input: string, want: Run): void {
  const b = Buffer.from(input, 'latin1');
  for (let i = 0; i <= b.length; i++) {
    for (const j of [i, Math.min(b.length, i + 1), Math.min(b.length, i + 2)]) {
      assert.deepEqual(run([b.subarray(0, i), b.subarray(i, j), b.subarray(j)]), want, `splits ${i}/${j}`);
    }
  }
}

test('end of data and dot-unstuffing (RFC 5321 §4.5.2) across every boundary', () => {
  everySplit('Hi\r\n..dot\r\n...\r\n.\r\nQUIT\r\n', { message: 'Hi\r\n.dot\r\n..\r\n', rest: 'QUIT\r\n', done: true, bareLf: 0, smuggling: 0 });
});

test('an empty message is only the terminator', () => {
  everySplit('.\r\nNOOP\r\n', { message: '', rest: 'NOOP\r\n', done: true, bareLf: 0, smuggling: 0 });
});

test('the CRLF before the terminating dot belongs to the message; a dot line with text does not end it', () => {
  everySplit('a\r\n.b\r\n\r\n.\r\n', { message: 'a\r\nb\r\n\r\n', rest: '', done: true, bareLf: 0, smuggling: 0 });
});

test('smuggling sequences stay in the message and are counted; bare LFs too', () => {
  everySplit('x\n.\ny\r\n.\r\n', { message: 'x\n.\ny\r\n', rest: '', done: true, bareLf: 2, smuggling: 1 });
  everySplit('x\r\n.\ny\r\n.\r\n', { message: 'x\r\n\ny\r\n', rest: '', done: true, bareLf: 1, smuggling: 1 });
  everySplit('x\n.\r\ny\r\n.\r\n', { message: 'x\n.\r\ny\r\n', rest: '', done: true, bareLf: 1, smuggling: 1 });
  everySplit('x\r.\ry\r\n.\r\n', { message: 'x\r.\ry\r\n', rest: '', done: true, bareLf: 0, smuggling: 1 });
  everySplit('x\r\n.\ry\r\n.\r\n', { message: 'x\r\n\ry\r\n', rest: '', done: true, bareLf: 0, smuggling: 1 });
});

test('unterminated data stays open', () => {
  everySplit('no end\r\n.', { message: 'no end\r\n', rest: '', done: false, bareLf: 0, smuggling: 0 });
});

test('after a gap the line position is unknown: no dot is unstuffed until the next CRLF', () => {
  const d = new DataReader();
  const parts: string[] = [];
  const sink: DataSink = { onMessageBytes: (b) => parts.push(b.toString('latin1')) };
  d.read(Buffer.from('abc\r\n'), 0, sink);
  d.gap();
  d.read(Buffer.from('.x\r\n.\r\n'), 0, sink);
  assert.equal(parts.join(''), 'abc\r\n.x\r\n');
  assert.equal(d.done, true);
});
