import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BodyDigest } from '../../../src/mime/body-digest.js';

test('hashes over many small and large writes equal the hashes of the whole', () => {
  const data = Buffer.alloc(200_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
  const d = new BodyDigest(['md5', 'sha1', 'sha256'], true, undefined);
  let pos = 0;
  let step = 1;
  while (pos < data.length) {
    const n = Math.min(step, data.length - pos);
    d.write(data.subarray(pos, pos + n));
    pos += n;
    step = step >= 20_000 ? 1 : step * 3;
  }
  d.gap(10);
  const r = d.finish();
  assert.equal(r.size, data.length);
  assert.equal(r.md5, createHash('md5').update(data).digest('hex'));
  assert.equal(r.sha1, createHash('sha1').update(data).digest('hex'));
  assert.equal(r.sha256, createHash('sha256').update(data).digest('hex'));
  assert.equal(r.missingBytes, 10);
});

test('hashes left out of the configuration are absent', () => {
  const d = new BodyDigest(['sha256'], true, undefined);
  d.write(Buffer.from('%PDF-1.4'));
  const r = d.finish();
  assert.equal(r.md5, undefined);
  assert.equal(r.sha1, undefined);
  assert.equal(r.sha256, createHash('sha256').update('%PDF-1.4').digest('hex'));
  assert.equal(r.detectedType, 'application/pdf');
});

test('magic is sniffed from bytes split across writes', () => {
  const d = new BodyDigest([], true, undefined);
  for (const c of Buffer.from('\x89PNG\r\n\x1a\n', 'latin1')) d.write(Buffer.from([c]));
  assert.equal(d.finish().detectedType, 'image/png');
});

// A part that ends within its first batch is hashed in one shot (hash-once.ts); one that does not
// is streamed. Both must give the digests of the whole, whatever the sizes and write pattern.
test('one-shot and streamed digests agree: empty, one small write, one block, one direct write, block + more', () => {
  const whole = (b: Buffer) => ({ md5: createHash('md5').update(b).digest('hex'), sha1: createHash('sha1').update(b).digest('hex'), sha256: createHash('sha256').update(b).digest('hex') });
  const data = Buffer.alloc(70_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
  const cases: Array<[string, Buffer[]]> = [
    ['empty', []],
    ['one small write', [data.subarray(0, 100)]],
    ['small writes filling exactly one batch', Array.from({ length: 32 }, (_, i) => data.subarray(i * 1024, (i + 1) * 1024))],
    ['one direct write', [data.subarray(0, 5000)]],
    ['a batch, then more', Array.from({ length: 40 }, (_, i) => data.subarray(i * 1000, (i + 1) * 1000))],
    ['direct, then small', [data.subarray(0, 8000), data.subarray(8000, 8010)]],
  ];
  for (const [name, writes] of cases) {
    const d = new BodyDigest(['md5', 'sha1', 'sha256'], false, undefined);
    for (const w of writes) d.write(w);
    const r = d.finish();
    const all = Buffer.concat(writes);
    assert.deepEqual({ md5: r.md5, sha1: r.sha1, sha256: r.sha256 }, whole(all), name);
    assert.equal(r.size, all.length, name);
  }
});
