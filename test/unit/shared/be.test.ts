import { test } from 'node:test';
import assert from 'node:assert/strict';
import { be16, be32, le32 } from '../../../src/shared/be.js';

test('big- and little-endian reads agree with Buffer and stay unsigned', () => {
  const b = Buffer.from([0xff, 0xfe, 0x80, 0x01, 0x7f, 0x00]);
  for (let off = 0; off + 2 <= b.length; off++) assert.equal(be16(b, off), b.readUInt16BE(off));
  for (let off = 0; off + 4 <= b.length; off++) {
    assert.equal(be32(b, off), b.readUInt32BE(off));
    assert.equal(le32(b, off), b.readUInt32LE(off));
  }
  assert.equal(be32(Buffer.from([0xff, 0xff, 0xff, 0xff]), 0), 0xffffffff);
});
