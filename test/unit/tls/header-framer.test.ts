import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeaderFramer } from '../../../src/tls/header-framer.js';
import type { FrameHandler } from '../../../src/tls/header-framer.js';

/** Frames of a 2-byte header (length) and a body; a length of 0xffff is refused. */
function framesOf(pushes: Buffer[]): { frames: string[]; refused: string | null } {
  const frames: string[] = [];
  let cur = '';
  const h: FrameHandler = {
    header: (head) => (head.readUInt16BE(0) === 0xffff ? 'too long' : head.readUInt16BE(0)),
    body: (b) => (cur += b.toString('latin1')),
    end: () => {
      frames.push(cur);
      cur = '';
    },
  };
  const f = new HeaderFramer(2, h);
  let refused: string | null = null;
  for (const p of pushes) refused ??= f.push(p);
  return { frames, refused };
}

const stream = Buffer.concat([Buffer.from([0, 3]), Buffer.from('abc'), Buffer.from([0, 0]), Buffer.from([0, 2]), Buffer.from('de')]);

test('the same frames whatever the cut: whole, byte by byte, header split', () => {
  const whole = framesOf([stream]);
  assert.deepEqual(whole, { frames: ['abc', '', 'de'], refused: null });
  assert.deepEqual(framesOf([...stream].map((b) => Buffer.from([b]))), whole);
  assert.deepEqual(framesOf([stream.subarray(0, 1), stream.subarray(1, 6), stream.subarray(6)]), whole);
});

test('a refused header is reported and nothing after it in that push is read', () => {
  const bad = Buffer.concat([Buffer.from([0, 1]), Buffer.from('x'), Buffer.from([0xff, 0xff]), Buffer.from([0, 1, 0x79])]);
  assert.deepEqual(framesOf([bad]), { frames: ['x'], refused: 'too long' });
});
