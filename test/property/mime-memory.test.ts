// Property: memory stays bounded for a 100 MB attachment fed in 64 KiB chunks (SPEC §7): retained
// heap and buffers after collection stay far below the attachment, and the hashes are still right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { makeMessageParserFactory } from '../../src/mime/index.js';
import { ALL_HASHES, crlf, limits } from '../unit/mime/helpers.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function retained(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

test('a 100 MB base64 attachment in 64 KiB chunks keeps memory bounded', () => {
  // 840 lines of 76 base64 characters = one 65,520-byte chunk that decodes to 47,880 bytes.
  const block = Buffer.alloc(840 * 57);
  for (let i = 0; i < block.length; i++) block[i] = (i * 131 + (i >> 8)) & 0xff;
  const b64 = block.toString('base64');
  let lines = '';
  for (let i = 0; i < b64.length; i += 76) lines += b64.slice(i, i + 76) + '\r\n';
  const chunk = Buffer.from(lines, 'latin1');
  const repeats = Math.ceil(100e6 / chunk.length);

  const p = makeMessageParserFactory({ limits: limits(), hashes: ALL_HASHES })({ mailFrom: undefined, srcIp: '192.0.2.1' });
  p.write(crlf('From: big@example.com\nContent-Type: multipart/mixed; boundary=m\n\n--m\nContent-Type: application/octet-stream; name=big.bin\nContent-Transfer-Encoding: base64\n\n'));
  const base = retained();
  let peak = 0;
  const expected = createHash('sha256');
  for (let i = 0; i < repeats; i++) {
    p.write(chunk);
    expected.update(block);
    if (i % 200 === 0) peak = Math.max(peak, retained() - base);
  }
  p.write(crlf('--m--\n'));
  const r = p.end();
  peak = Math.max(peak, retained() - base);
  const a = r.message.attachments[0]!;
  assert.equal(a.size, block.length * repeats);
  assert.equal(a.sha256, expected.digest('hex'));
  assert.ok(chunk.length * repeats >= 100e6);
  assert.ok(peak < 8 * 1024 * 1024, `retained growth ${peak} bytes must stay far below 100 MB`);
});
