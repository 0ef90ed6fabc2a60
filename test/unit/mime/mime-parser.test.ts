import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fixture } from '../../helpers/paths.js';
import { makeMessageParserFactory } from '../../../src/mime/index.js';
import { ALL_HASHES, crlf, limits, parse, parseChunked } from './helpers.js';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const seed = readFileSync(fixture('seed', 'message.eml'));

test('the design-notes message: every field of its message object', () => {
  const r = parse(seed, { mailFrom: 'gaoxl@legendsec.com', srcIp: '192.0.2.20' });
  const headerBlock = seed.subarray(0, seed.indexOf('\r\n\r\n') + 4);
  assert.deepEqual(r.message, {
    subject: 'attach',
    from: [{ name: '郜小亮', address: 'gaoxl@legendsec.com' }],
    to: [{ name: 'moreorless', address: 'moreorless@live.cn' }],
    cc: [{ name: 'gxl0620', address: 'gxl0620@163.com' }],
    bcc: [{ name: '郜小亮', address: 'venus.oso@gmail.com' }],
    date: 'Mon, 29 Jun 2009 18:39:03 +0800',
    date_iso: '2009-06-29T10:39:03.000Z',
    message_id: '200906291839032504254@legendsec.com',
    user_agent: 'Foxmail 6, 15, 201, 21 [cn]',
    path: ['192.0.2.20'],
    header_names: ['Date', 'From', 'To', 'Cc', 'BCC', 'Subject', 'Message-ID', 'X-mailer', 'Mime-Version', 'Content-Type'],
    headers_bytes: headerBlock.length,
    header_count: 10,
    parts: 5,
    content_type: 'multipart/mixed',
    text_sha256: 'd0df09677babc0af5427ed4fd24d1f7769b58c882e971c49bf393b002c52d7f2',
    attachments: [
      {
        filename: 'readme.txt',
        content_type: 'application/octet-stream',
        disposition: 'attachment',
        transfer_encoding: 'base64',
        size: 7,
        md5: '9a6ed0b05c94dcc18d3fe462d48b128e',
        sha1: 'e0689beea036d0de4d0149aa1a67d2d3f85b66a9',
        sha256: sha256('abcdedf'),
      },
    ],
  });
  assert.equal(r.message.attachments[0]!.sha256, 'bb5b9dfffcd016cd95ff1804367c73bc61444372cabcb580a4b2ea2054c514cf');
  // The text/plain part: base64 of 32 GB2312 bytes, hashed as UTF-8 after charset decoding.
  const plain = Buffer.from('DQoNCjIwMDktMDYtMjkgDQoNCg0KDQrbrNChwcEgDQo=', 'base64');
  assert.equal(plain.length, 32);
  assert.equal(r.message.text_sha256, sha256('\r\n\r\n2009-06-29 \r\n\r\n\r\n\r\n郜小亮 \r\n'));
  assert.deepEqual(r.anomalies, []);
});

test('the design-notes message gives the same result split at every offset', () => {
  const whole = JSON.stringify(parse(seed));
  for (let i = 1; i < seed.length; i++) assert.equal(JSON.stringify(parse(seed, { splits: [i] })), whole, `split at ${i}`);
  for (const size of [1, 2, 3, 7, 64, 1460]) assert.equal(JSON.stringify(parseChunked(seed, size)), whole, `chunks of ${size}`);
});

test('the message as published: the lost folding is recovered (mime_bad_folding), the structure whole', () => {
  const r = parse(readFileSync(fixture('seed', 'message-as-published.eml')));
  assert.equal(r.message.subject, 'attach');
  assert.equal(r.message.date, 'Mon, 29 Jun 2009 18:39:03 +0800');
  assert.deepEqual(r.message.from, [{ name: '郜小亮', address: 'gaoxl@legendsec.com' }]);
  assert.deepEqual(r.message.to, [{ name: 'moreorless', address: 'moreorless@live.cn' }]);
  assert.deepEqual(r.message.cc, [{ name: 'gxl0620', address: 'gxl0620@163.com' }]);
  assert.equal(r.message.message_id, '200906291839032504254@legendsec.com');
  assert.deepEqual(r.anomalies, ['mime_bad_folding']);
  const wellFormed = parse(readFileSync(fixture('seed', 'message.eml')));
  assert.equal(r.message.parts, wellFormed.message.parts);
  assert.deepEqual(r.message.attachments, wellFormed.message.attachments);
  assert.equal(r.message.text_sha256, wellFormed.message.text_sha256);
});

test('the design-notes session body: a single line with no colon is no header section', () => {
  const r = parse(Buffer.from('Enjoy Protocol Studing\r\n'));
  assert.equal(r.message.subject, undefined);
  assert.equal(r.message.parts, 1);
  assert.equal(r.message.headers_bytes, 0);
  assert.equal(r.message.header_count, 0);
  assert.deepEqual(r.message.attachments, []);
});

test('header block: first Content-Type wins, folding whitespace kept, raw UTF-8, no space after colon', () => {
  const r = parse(readFileSync(fixture('mime', 'headers.eml')));
  assert.equal(r.message.subject, 'folded\tsubject   with  kept  whitespace');
  assert.equal(r.message.subject_raw, undefined);
  assert.deepEqual(r.message.from, [{ name: 'No Space', address: 'nospace@example.org' }]);
  assert.deepEqual(r.message.reply_to, [{ name: 'Üser', address: 'user@example.org' }]);
  assert.equal(r.message.content_type, 'text/plain');
  assert.equal(r.message.message_id, 'raw@example.org');
  // RFC 5321 §4.1.1.4: the last line's CRLF belongs to the message (issue 15 item 12).
  assert.equal(r.message.text_sha256, sha256('Body with raw UTF-8: Grüße.\r\n'));
});

test('encoded words in many charsets; subject_raw keeps what was written', () => {
  const r = parse(readFileSync(fixture('mime', 'encoded-words.eml')));
  assert.equal(r.message.subject, '价格 €5 and café crème =?x-unknown?Q?raw?= =?utf-8?B?###?=');
  assert.ok(r.message.subject_raw?.startsWith('=?utf-8?B?'));
  assert.deepEqual(r.message.from, [{ name: '郜小亮', address: 'gb@example.cn' }]);
  assert.deepEqual(r.message.to?.map((a) => a.name), ['한국어', '日本語テキスト', '繁體中文', 'Привет']);
  assert.deepEqual(r.message.cc?.map((a) => a.name), ['Київ', 'Hi £1', 'Ünïcödé Q']);
  assert.deepEqual([...r.anomalies].sort(), ['mime_bad_encoded_word', 'mime_invalid_base64', 'mime_unknown_charset']);
});

test('structure: prefix boundaries, trailing whitespace, rfc822 nesting, URLs, missing close', () => {
  const r = parse(readFileSync(fixture('mime', 'structure.eml')));
  const m = r.message;
  assert.equal(m.subject, 'outer subject', 'nested message headers never overwrite (Zeek issue 1352)');
  assert.equal(m.message_id, 'outer@example.com');
  assert.equal(m.parts, 9);
  assert.deepEqual(m.attachments.map((a) => [a.content_type, a.filename, a.size]), [
    ['message/rfc822', undefined, 293],
    ['application/octet-stream', 'inner.bin', 5],
    ['application/octet-stream', 'last.bin', 30], // ends the message: its last CRLF is its own
  ]);
  assert.equal(m.attachments[1]!.sha256, sha256('inner'));
  assert.equal(m.attachments[2]!.sha256, sha256('no closing delimiter follows\r\n'));
  assert.equal(m.text_sha256, sha256('see http://example.com/a?x=1&y=2.'));
  assert.deepEqual(m.urls, ['http://example.com/a?x=1&y=2', 'https://example.org/path?q=1&r=2', 'https://example.net/soft']);
  assert.deepEqual(r.anomalies, ['mime_boundary_missing']);
});

test('a multipart without a boundary parameter is flagged and its parts recovered from the first -- line', () => {
  const r = parse(readFileSync(fixture('mime', 'no-boundary.eml')));
  assert.equal(r.message.parts, 3);
  assert.deepEqual(r.message.attachments.map((a) => [a.filename, a.sha256]), [['two.bin', sha256('two')]]);
  assert.equal(r.message.text_sha256, sha256('part one'));
  assert.deepEqual(r.anomalies, ['mime_boundary_missing']);
});

test('transfer encodings decode to the original bytes', () => {
  const r = parse(readFileSync(fixture('mime', 'transfer.eml')));
  const payload = Buffer.alloc(1024);
  for (let i = 0; i < 1024; i++) payload[i] = i & 0xff;
  assert.deepEqual(r.message.attachments.map((a) => [a.filename, a.size, a.sha256]), [
    ['messy.bin', 1024, sha256(payload)],
    ['nopad.bin', 4, sha256('abcd')],
    ['garbage.bin', 4, sha256('abcd')],
    ['qp.txt', 59, sha256('soft break = equals, bad =ZZ escape, trailing\r\nsecond line ')],
    ['eight.bin', 5, sha256('café')],
  ]);
  assert.deepEqual([...r.anomalies].sort(), ['mime_invalid_base64', 'mime_invalid_qp']);
});

test('parameters: RFC 2231 continuations and charsets, Outlook encoded names, long names flagged', () => {
  const r = parse(readFileSync(fixture('mime', 'parameters.eml')));
  const names = r.message.attachments.map((a) => a.filename);
  assert.deepEqual(names, ['报告.pdf', '附件.doc', 'x'.repeat(300) + '.txt', 'café.bin']);
  assert.equal(r.message.attachments[0]!.detected_type, 'application/pdf');
  assert.equal(r.message.attachments[1]!.detected_type, 'application/x-ole-storage');
  assert.deepEqual(r.anomalies, ['mime_filename_too_long']);
});

test('magic and signals: a PE named invoice.pdf, spoofed display name, foreign Reply-To', () => {
  const r = parse(readFileSync(fixture('mime', 'magic.eml')), { mailFrom: 'bounce@evil.example' });
  assert.deepEqual(r.message.attachments.map((a) => [a.filename, a.disposition, a.detected_type]), [
    ['invoice.pdf', 'attachment', 'application/x-dosexec'],
    [undefined, 'inline', 'image/png'],
    ['report.docx', undefined, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ]);
  assert.deepEqual(r.message.signals, ['reply_to_differs', 'display_name_has_address', 'attachment_type_mismatch']);
  assert.deepEqual(r.anomalies, ['mime_attachment_type_mismatch']);
});

test('only the configured hashes are computed; the others are absent', () => {
  const a = parse(seed, { hashes: ['sha256'] }).message.attachments[0]!;
  assert.equal(a.sha256, sha256('abcdedf'));
  assert.ok(!('md5' in a) && !('sha1' in a));
});

test('Received headers give the hops and the path: server, client, then each from_ip top first', () => {
  const msg = crlf('Received: from a (a.example [203.0.113.5]) by b\nReceived: from c ([198.51.100.1])\n\tby d (10.0.0.9)\nReceived: junk\nSubject: x\n\nbody\n');
  const r = parse(msg, { srcIp: '192.0.2.9', dstIp: '192.0.2.25' });
  assert.deepEqual(r.message.received, ['from a (a.example [203.0.113.5]) by b', 'from c ([198.51.100.1])\tby d (10.0.0.9)', 'junk']);
  assert.deepEqual(r.message.received_hops, [
    { from_host: 'a', from_ip: '203.0.113.5', by_host: 'b' },
    { from_host: 'c', from_ip: '198.51.100.1', by_host: 'd' },
    {},
  ]);
  // The BY host's address (10.0.0.9) is not a hop's origin: Zeek's path lists where mail came from.
  assert.deepEqual(r.message.path, ['192.0.2.25', '192.0.2.9', '203.0.113.5', '198.51.100.1']);
});

test('a gap inside an attachment: missing_bytes, mime_gap, and the next part is intact', () => {
  const head = crlf('Content-Type: multipart/mixed; boundary=g\n\n--g\nContent-Type: application/octet-stream; name=a.bin\nContent-Transfer-Encoding: base64\n\nYWJj\n');
  const tail = crlf('ZGVm\n--g\nContent-Type: application/octet-stream; name=b.bin\n\nintact\n--g--\n');
  const r = parseWithGap(head, 100, tail);
  const [a, b] = r.message.attachments;
  assert.equal(a!.missing_bytes, 100);
  assert.equal(b!.missing_bytes, undefined);
  assert.equal(b!.sha256, sha256('intact'));
  assert.ok(r.anomalies.includes('mime_gap'));
});

function parseWithGap(a: Buffer, gap: number, b: Buffer) {
  const p = makeMessageParserFactory({ limits: limits(), hashes: ALL_HASHES })({ mailFrom: undefined, srcIp: '192.0.2.1' });
  p.write(a);
  p.gap(gap);
  p.write(b);
  return p.end();
}

test('message/rfc822: the raw inner message is hashed while its base64 attachment is decoded in bulk', () => {
  const data = Buffer.alloc(20_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
  const b64 = data.toString('base64').replace(/.{76}/g, '$&\n');
  const inner = crlf(`From: fwd@example.net\nSubject: inner\nContent-Type: multipart/mixed; boundary=in\n\n--in\nContent-Type: application/octet-stream; name=d.bin\nContent-Transfer-Encoding: base64\n\n${b64}\n--in--\n`);
  const msg = Buffer.concat([
    crlf('Subject: outer\nContent-Type: multipart/mixed; boundary=out\n\n--out\nContent-Type: message/rfc822\n\n'),
    inner,
    crlf('--out--\n'),
  ]);
  const r = parse(msg);
  assert.equal(r.message.subject, 'outer');
  const [wrapper, file] = r.message.attachments;
  assert.equal(wrapper!.content_type, 'message/rfc822');
  assert.equal(wrapper!.sha256, sha256(inner.subarray(0, inner.length - 2)), 'the break before the delimiter is not content');
  assert.equal(file!.sha256, sha256(data));
  for (const size of [1460, 4096, 65536]) assert.deepEqual(parseChunked(msg, size), r);
});

test('a gap in the middle of a base64 line: the cut line is dropped, later lines decode in step', () => {
  const data = Buffer.alloc(57 * 40, 0x61);
  const lines = data.toString('base64').replace(/.{76}/g, '$&\n');
  const body = crlf(`Content-Type: application/octet-stream; name=g.bin\nContent-Transfer-Encoding: base64\n\n${lines}`);
  const cut = body.indexOf('\r\n', body.length - 20 * 78) + 2 + 30; // 30 characters into a line
  const p = makeMessageParserFactory({ limits: limits(), hashes: ALL_HASHES })({ mailFrom: undefined, srcIp: '192.0.2.1' });
  p.write(body.subarray(0, cut));
  p.gap(500);
  p.write(body.subarray(cut + 500));
  const r = p.end();
  const a = r.message.attachments[0]!;
  assert.equal(a.missing_bytes, 500);
  assert.equal(a.size % 3, 0, 'whole quanta only: decoding stayed aligned after the gap');
  assert.ok(a.size < data.length);
  assert.ok(r.anomalies.includes('mime_gap'));
});

test('end() is idempotent and writes after it are ignored', () => {
  const p = makeMessageParserFactory({ limits: limits(), hashes: ALL_HASHES })({ mailFrom: undefined, srcIp: '192.0.2.1' });
  p.write(crlf('Subject: once\n\nbody\n'));
  const first = p.end();
  p.write(crlf('more'));
  p.gap(10);
  assert.deepEqual(p.end(), first);
});

test('an empty message and a message of headers only', () => {
  assert.deepEqual(parse(Buffer.alloc(0)).message, {
    headers_bytes: 0,
    header_count: 0,
    parts: 1,
    attachments: [],
    path: ['192.0.2.1'],
    content_type: 'text/plain',
    text_sha256: sha256(''),
  });
  const r = parse(Buffer.from('Subject: no body'));
  assert.equal(r.message.subject, 'no body');
  assert.equal(r.message.header_count, 1);
});
