// A transfer-encoded message/rfc822 (issue 15 item 10): the part is an attachment of its own and
// its decoded bytes are walked as a message, so what it carries is listed after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crlf, parse, parseChunked } from './helpers.js';

const EXE = Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(100, 0x41)]);
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const b64 = (b: Buffer): string => b.toString('base64').replace(/.{76}/g, '$&\n');
const qp = (b: Buffer): string => b.toString('latin1').replace(/=/g, '=3D').replace(/\r\n/g, '=0D=0A=\n');

const INNER = crlf(`From: x@y.example
Subject: inner
Content-Type: multipart/mixed; boundary=in

--in
Content-Type: text/plain

inner text
--in
Content-Type: application/octet-stream; name=evil.exe
Content-Transfer-Encoding: base64

${b64(EXE)}
--in--
`);

function outer(enc: string, body: string, disposition = 'attachment; filename="innocent.txt"'): Buffer {
  return crlf(`Subject: outer
Content-Type: multipart/mixed; boundary=out

--out
Content-Type: text/plain

outer text
--out
Content-Type: message/rfc822
Content-Transfer-Encoding: ${enc}
Content-Disposition: ${disposition}

${body}
--out--
`);
}

test('base64 and quoted-printable message/rfc822: the outer part and the executable inside it', () => {
  for (const [enc, body] of [['base64', b64(INNER)], ['quoted-printable', qp(INNER)]] as const) {
    for (const disposition of ['attachment; filename="innocent.txt"', 'inline']) {
      const msg = outer(enc, body, disposition);
      const r = parse(msg);
      const a = r.message.attachments;
      assert.equal(a.length, 2, `${enc} ${disposition}: ${JSON.stringify(a)}`);
      assert.equal(a[0]!.content_type, 'message/rfc822');
      assert.equal(a[0]!.transfer_encoding, enc);
      assert.equal(a[0]!.sha256, sha256(INNER), 'the outer hash is the decoded .eml');
      assert.equal(a[1]!.filename, 'evil.exe');
      assert.equal(a[1]!.sha256, sha256(EXE));
      assert.equal(a[1]!.detected_type, 'application/x-dosexec');
      assert.equal(r.message.parts, 6, 'top, text, message, inner multipart, inner text, exe');
      assert.equal(r.message.subject, 'outer', 'the inner headers are not the message fields');
      assert.deepEqual(r.anomalies, []);
      for (const size of [1, 7, 100]) assert.deepEqual(parseChunked(msg, size), r, `${enc} in chunks of ${size}`);
    }
  }
});

test('encoded messages inside encoded messages: walked down to limits.mime_depth, then opaque', () => {
  // Each level wraps the previous one in a base64 message/rfc822 (a single-part message).
  const wrap = (inner: Buffer): Buffer => crlf(`Subject: wrap\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n${b64(inner)}\n`);
  let m = crlf('Subject: leaf\nContent-Type: application/octet-stream; name=evil.exe\nContent-Transfer-Encoding: base64\n\n') ;
  m = Buffer.concat([m, Buffer.from(b64(EXE) + '\r\n')]);
  for (let i = 0; i < 4; i++) m = wrap(m);
  const at = parse(m, { limits: { mime_depth: 4 } });
  assert.deepEqual(at.anomalies, []);
  assert.equal(at.message.attachments.length, 5);
  assert.equal(at.message.attachments[4]!.sha256, sha256(EXE));
  const past = parse(m, { limits: { mime_depth: 3 } });
  assert.ok(past.anomalies.includes('mime_depth_exceeded'));
  assert.equal(past.message.attachments.length, 4, 'the deepest message is an opaque attachment');
});

test('limits.mime_parts spans the nested walk', () => {
  const msg = outer('base64', b64(INNER));
  const at = parse(msg, { limits: { mime_parts: 6 } });
  assert.deepEqual(at.anomalies, []);
  const past = parse(msg, { limits: { mime_parts: 5 } });
  assert.deepEqual(past.anomalies, ['mime_parts_exceeded']);
  assert.equal(past.message.attachments.length, 1, 'the exe is the sixth entity: counted, not described');
  assert.equal(past.message.parts, 6);
});
