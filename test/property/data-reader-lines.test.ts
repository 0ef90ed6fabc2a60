// Property: DATA framing (smtp/data-reader.ts) reads the same whatever the chunking. Its whole-line
// fast path (skipCleanLines) runs only on lines that lie inside one chunk, so a reading in 1-byte
// chunks never takes it and is the reference for readings in one chunk and at random cuts: the
// message bytes, the end of data, the bytes left over, the bare-LF and smuggling counts and their
// order, and (holdLenient) every lenient stop must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DataReader } from '../../src/smtp/data-reader.js';
import type { DataSink } from '../../src/smtp/data-reader.js';

const RUNS = Number(process.env.MAILTAP_FC_RUNS ?? 300);

/** Pieces that make every line shape the states know, with long content lines between them. */
const PIECE = fc.oneof(
  fc.constantFrom('\r\n', '\r\n', '\r\n', '\r', '\n', '.', '..', '\r\n.', '\n.', '\r.', '\r\n.\r\n', '\n.\n', '\t', '\r\r\n', '\x0b', '\x8a', '\x8d'),
  // Text lines with dots inside, so that a chunk runs past the skip's one-by-one dot lookups.
  fc.constantFrom('a.b c.\r\n', 'end. of. line.\r\n', 'x.y\r\n'),
  fc.stringMatching(/^[A-Za-z0-9+/=]{1,80}$/),
);
const INPUT = fc.array(PIECE, { minLength: 1, maxLength: 60 }).map((p) => Buffer.from(p.join(''), 'latin1'));

interface Reading { message: string; done: boolean; consumed: number; bareLf: number; smuggling: number; order: number; stops: string[] }

function read(input: Buffer, cuts: number[], holdLenient: boolean): Reading {
  const d = new DataReader();
  d.holdLenient = holdLenient;
  const parts: Buffer[] = [];
  const sink: DataSink = { onMessageBytes: (b) => parts.push(Buffer.from(b)) };
  const stops: string[] = [];
  let consumed = 0;
  let from = 0;
  for (const to of [...cuts, input.length]) {
    const chunk = input.subarray(from, to);
    from = to;
    let off = 0;
    while (off < chunk.length && !d.done) {
      off = d.read(chunk, off, sink);
      if (d.lenient !== null) {
        stops.push(`${d.lenient}@${consumed + off}:${Buffer.concat(parts).length}`);
        d.resumeStrict(sink);
      }
    }
    consumed += off;
    if (d.done) break;
  }
  const message = Buffer.concat(parts).toString('latin1');
  assert.equal(d.bytes, message.length);
  return { message, done: d.done, consumed, bareLf: d.bareLfSeen, smuggling: d.smugglingSeen, order: d.smugglingBeforeBareLf, stops };
}

function everyByte(n: number): number[] {
  return Array.from({ length: Math.max(0, n - 1) }, (_, k) => k + 1);
}

for (const holdLenient of [false, true]) {
  test(`whole-line skipping reads as 1-byte chunks do (holdLenient ${holdLenient})`, () => {
    fc.assert(
      fc.property(INPUT, fc.uniqueArray(fc.nat(), { maxLength: 6 }), (input, rawCuts) => {
        const reference = read(input, everyByte(input.length), holdLenient);
        assert.deepEqual(read(input, [], holdLenient), reference);
        const cuts = [...new Set(rawCuts.map((c) => 1 + (c % Math.max(1, input.length - 1))))].filter((c) => c < input.length).sort((a, b) => a - b);
        assert.deepEqual(read(input, cuts, holdLenient), reference);
      }),
      { numRuns: RUNS },
    );
  });
}

test('clean lines between special ones: dot-unstuffing, smuggling forms and the end are still seen', () => {
  const line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n';
  const input = Buffer.from(`${line}${line}..stuffed\r\n${line}x\r.y\r\n${line}w\r.\rv\r\n${line}z\n.\n${line}.\r\nafter`, 'latin1');
  const got = read(input, [], false);
  assert.equal(got.message, `${line}${line}.stuffed\r\n${line}x\r.y\r\n${line}w\r.\rv\r\n${line}z\n.\n${line}`);
  assert.equal(got.done, true);
  assert.equal(input.toString('latin1', got.consumed), 'after');
  // <CR>.y is content and no form; <CR>.<CR> and <LF>.<LF> are smuggling forms; z's LF and the one
  // after its dot are bare.
  assert.equal(got.smuggling, 2);
  assert.equal(got.bareLf, 2);
});

test('what the line skipping knows of one chunk never carries into the next', () => {
  // The first chunk finds no dot from its second line on; in the second, the same offsets hold
  // <CR>.<CR>, which must still be seen.
  const input = Buffer.from('a\r\nzz\r\nx\r.\ry\r\n.\r\n', 'latin1');
  const got = read(input, [5], false);
  assert.deepEqual(got, read(input, everyByte(input.length), false));
  assert.equal(got.smuggling, 1);
  assert.equal(got.message, 'a\r\nzz\r\nx\r.\ry\r\n');
});

test('dots inside text lines do not hide a later <CR>.<CR> or <CR>.<LF> in the same chunk', () => {
  const dotted = 'one. two. three.\r\nfour.five\r\n';
  for (const form of ['\r.\r', '\r.\n', '.\r.\r']) {
    // Also with the form right after the dots looked up one by one (a.b.c. then .\r.\r).
    for (const input of [Buffer.from(`${dotted}x${form}y\r\n${dotted}.\r\n`, 'latin1'), Buffer.from(`a.b.c${form}y\r\n.\r\n`, 'latin1')]) {
      for (const hold of [false, true]) {
        const got = read(input, [], hold);
        assert.deepEqual(got, read(input, everyByte(input.length), hold), JSON.stringify(form));
        assert.equal(got.smuggling, 1, JSON.stringify(form));
      }
    }
  }
});
