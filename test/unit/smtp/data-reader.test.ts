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

/** holdLenient: read until the reader stops at a lenient terminator; then resume strictly and read on. */
function runHold(chunks: Buffer[]): { before: string; form: string | null; after: string; consumed: number } {
  const d = new DataReader();
  d.holdLenient = true;
  const parts: Buffer[] = [];
  const sink: DataSink = { onMessageBytes: (b) => parts.push(Buffer.from(b)) };
  let consumed = 0;
  let before = '';
  let form: string | null = null;
  for (const c of chunks) {
    let off = 0;
    while (off < c.length && !d.done) {
      off = d.read(c, off, sink);
      if (d.lenient !== null && form === null) {
        form = d.lenient;
        before = Buffer.concat(parts).toString('latin1');
        consumed += off;
        d.resumeStrict(sink);
        consumed -= off;
      }
    }
    consumed += off;
  }
  const all = Buffer.concat(parts).toString('latin1');
  assert.equal(d.bytes, all.length);
  return { before, form, after: all.slice(before.length), consumed };
}

test('holdLenient: the reader stops after each lenient form, its bytes unsent; strict resumption gives the plain reading', () => {
  for (const [form, input, before] of [
    ['LF.LF', 'a\n.\nMAIL\r\n.\r\n', 'a\n'],
    ['LF.CRLF', 'a\n.\r\nMAIL\r\n.\r\n', 'a\n'],
    ['CRLF.LF', 'a\r\n.\nMAIL\r\n.\r\n', 'a\r\n'],
    ['CR.CR', 'a\r.\r\nMAIL\r\n.\r\n', 'a\r'],
  ] as const) {
    const plain = run([Buffer.from(input, 'latin1')]);
    const b = Buffer.from(input, 'latin1');
    for (let i = 0; i <= b.length; i++) {
      for (let j = i; j <= Math.min(b.length, i + 2); j++) {
        const got = runHold([b.subarray(0, i), b.subarray(i, j), b.subarray(j)]);
        assert.equal(got.form, form, `${form} split ${i}/${j}`);
        assert.equal(got.before, before, `${form} split ${i}/${j}`);
        assert.equal(before + got.after, plain.message, `${form} split ${i}/${j}`);
      }
    }
  }
});

test('holdLenient: a dot after a bare LF or CR that is no terminator is content, across every boundary', () => {
  const input = 'x\n.y\r.z\n.\rw\r\n.\r\n';
  const plain = run([Buffer.from(input, 'latin1')]);
  const b = Buffer.from(input, 'latin1');
  for (let i = 0; i <= b.length; i++) {
    const got = runHold([b.subarray(0, i), b.subarray(i)]);
    assert.equal(got.form, null, `split ${i}`);
    assert.equal(got.after, plain.message, `split ${i}`);
  }
});
