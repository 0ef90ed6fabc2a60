// The message end (issue 15 item 12, SPEC §7): RFC 5321 §4.1.1.4 gives the first CRLF of the
// end-of-data CRLF.CRLF to the message, so the part that runs to the end keeps its last line break;
// a CRLF before a delimiter is the delimiter's (RFC 2046 §5.1.1). The parser sees the message bytes
// as the SMTP layer hands them over: up to and including that CRLF (DATA), or the chunk octets (BDAT).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crlf, parse, parseChunked } from './helpers.js';

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

test('a single-part text body keeps its last CRLF in text_sha256', () => {
  const r = parse(crlf('Subject: s\n\nline one\nline two\n'));
  assert.equal(r.message.text_sha256, sha256('line one\r\nline two\r\n'));
  for (const size of [1, 3]) assert.deepEqual(parseChunked(crlf('Subject: s\n\nline one\nline two\n'), size), r);
});

test('a body without a final line break (BDAT chunk octets) gains none', () => {
  const r = parse(Buffer.from('Subject: s\r\n\r\nno break at the end'));
  assert.equal(r.message.text_sha256, sha256('no break at the end'));
});

test('single-part attachments: identity keeps the CRLF, QP its hard break, base64 is unaffected', () => {
  const id = parse(crlf('Content-Type: application/octet-stream; name=a\n\nraw bytes\n'));
  assert.equal(id.message.attachments[0]!.size, 11);
  assert.equal(id.message.attachments[0]!.sha256, sha256('raw bytes\r\n'));
  const qp = parse(crlf('Content-Type: application/octet-stream; name=a\nContent-Transfer-Encoding: quoted-printable\n\nq=3Dp\n'));
  assert.equal(qp.message.attachments[0]!.sha256, sha256('q=p\r\n'));
  const soft = parse(crlf('Content-Type: application/octet-stream; name=a\nContent-Transfer-Encoding: quoted-printable\n\nsoft=\n'));
  assert.equal(soft.message.attachments[0]!.sha256, sha256('soft'), 'a soft break is no break');
  const b64 = parse(crlf(`Content-Type: application/octet-stream; name=a\nContent-Transfer-Encoding: base64\n\n${Buffer.from('bin').toString('base64')}\n`));
  assert.equal(b64.message.attachments[0]!.sha256, sha256('bin'));
});

test('the last part before a close delimiter leaves the CRLF to the delimiter; one running to the end keeps it', () => {
  const closed = parse(crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; name=t.txt\n\nlast\n--b--\nepilogue\n'));
  assert.equal(closed.message.attachments[0]!.sha256, sha256('last'));
  const open = parse(crlf('Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; name=t.txt\n\nlast\n'));
  assert.equal(open.message.attachments[0]!.sha256, sha256('last\r\n'));
});

test('a message/rfc822 that ends the message: its raw body and its last part keep the CRLF', () => {
  const inner = 'Subject: inner\r\nContent-Type: text/plain; name=i.txt\r\n\r\ninner body\r\n';
  const r = parse(Buffer.from(`Content-Type: message/rfc822\r\n\r\n${inner}`));
  assert.deepEqual(r.message.attachments.map((a) => [a.content_type, a.sha256]), [
    ['message/rfc822', sha256(inner)],
    ['text/plain', sha256('inner body\r\n')],
  ]);
});
