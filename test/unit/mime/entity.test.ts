import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { EntityHeaders, resolveEntity } from '../../../src/mime/entity.js';

function resolve(fields: [string, string][], inDigest = false) {
  const h = new EntityHeaders(undefined);
  for (const [n, v] of fields) if (h.wants(n)) h.field(n, v);
  const s = new AnomalySet();
  return { r: resolveEntity(h, inDigest, s), anomalies: s.list() };
}

test('defaults: text/plain, 7bit; message/rfc822 inside multipart/digest (RFC 2046 §5.1.5)', () => {
  assert.deepEqual(resolve([]).r, { type: 'text/plain', encoding: '7bit', disposition: undefined, filename: undefined, boundary: undefined, charset: undefined, attachment: false });
  assert.equal(resolve([], true).r.type, 'message/rfc822');
  assert.equal(resolve([['content-type', 'garbage']]).r.type, 'text/plain');
});

test('the first of duplicated Content-* fields wins', () => {
  const { r } = resolve([['content-type', 'text/html'], ['content-type', 'image/png'], ['content-transfer-encoding', ' BASE64 '], ['content-transfer-encoding', 'qp']]);
  assert.equal(r.type, 'text/html');
  assert.equal(r.encoding, 'base64');
});

test('SPEC attachment rule: disposition attachment, a name, or a non-text non-multipart type', () => {
  assert.equal(resolve([['content-disposition', 'attachment']]).r.attachment, true);
  assert.equal(resolve([['content-type', 'text/plain; name=a.txt']]).r.attachment, true);
  assert.equal(resolve([['content-type', 'image/png'], ['content-disposition', 'inline']]).r.attachment, true);
  assert.equal(resolve([['content-type', 'text/html'], ['content-disposition', 'inline']]).r.attachment, false);
  assert.equal(resolve([['content-type', 'multipart/mixed; boundary=x']]).r.attachment, false);
});

test('filename prefers Content-Disposition; over 255 bytes is kept and flagged', () => {
  assert.equal(resolve([['content-type', 'a/b; name=n.bin'], ['content-disposition', 'attachment; filename=f.bin']]).r.filename, 'f.bin');
  const long = 'é'.repeat(128) + '.txt'; // 260 bytes
  const { r, anomalies } = resolve([['content-disposition', `attachment; filename="${long}"`]]);
  assert.equal(r.filename, long);
  assert.deepEqual(anomalies, ['mime_filename_too_long']);
  assert.deepEqual(resolve([['content-disposition', `attachment; filename="${'a'.repeat(255)}"`]]).anomalies, []);
});
