// Every MIME limit exactly at its value and one past it (STYLE §3.6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crlf, parse, parseChunked } from './helpers.js';

/** `levels` nested multiparts around one text/plain part. */
function nested(levels: number): Buffer {
  let head = 'Subject: deep\n';
  let tail = '';
  for (let i = 0; i < levels; i++) {
    head += `Content-Type: multipart/mixed; boundary="b${i}"\n\n--b${i}\n`;
    tail = `\n--b${i}--` + tail;
  }
  return crlf(`${head}Content-Type: text/plain\n\ndeep text${tail}\n`);
}

test('mime_depth: nesting at the limit is walked, one deeper is hashed opaque and flagged', () => {
  const at = parse(nested(5), { limits: { mime_depth: 5 } });
  assert.equal(at.message.parts, 6);
  assert.deepEqual(at.anomalies, []);
  const past = parse(nested(6), { limits: { mime_depth: 5 } });
  assert.ok(past.anomalies.includes('mime_depth_exceeded'));
  assert.equal(past.message.attachments.length, 1, 'the too-deep multipart is an opaque attachment');
  assert.equal(past.message.attachments[0]!.content_type, 'multipart/mixed');
});

function manyParts(n: number): Buffer {
  let s = 'Content-Type: multipart/mixed; boundary=p\n\n';
  for (let i = 0; i < n; i++) s += `--p\nContent-Type: application/octet-stream; name=f${i}.bin\n\nbody ${i}\n`;
  return crlf(s + '--p--\n');
}

test('mime_parts: parts up to the limit are reported, further ones only counted', () => {
  const at = parse(manyParts(4), { limits: { mime_parts: 5 } });
  assert.equal(at.message.parts, 5);
  assert.equal(at.message.attachments.length, 4);
  assert.deepEqual(at.anomalies, []);
  const past = parse(manyParts(5), { limits: { mime_parts: 5 } });
  assert.equal(past.message.parts, 6);
  assert.equal(past.message.attachments.length, 4);
  assert.deepEqual(past.anomalies, ['mime_parts_exceeded']);
});

test('header_bytes: Received values up to the budget are kept, one byte more stops keeping them; nothing else is hidden', () => {
  const hops = 'Received: from a.example by b.example\nReceived: from c.example by d.example\n';
  const msg = crlf(`${hops}Subject: ${'s'.repeat(1000)}\nFrom: a@example.com\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: application/pdf; name=a.pdf\n\n%PDF-1\n--x--\n`);
  const kept = 2 * 'from a.example by b.example'.length;
  const at = parse(msg, { limits: { header_bytes: kept } });
  assert.deepEqual(at.anomalies, []);
  assert.equal(at.message.received?.length, 2);
  const past = parse(msg, { limits: { header_bytes: kept - 1 } });
  assert.deepEqual(past.anomalies, ['mime_header_too_long']);
  assert.deepEqual(past.message.received, ['from a.example by b.example']);
  for (const r of [at, past]) {
    assert.deepEqual(r.message.from, [{ address: 'a@example.com' }]);
    assert.equal(r.message.content_type, 'multipart/mixed');
    assert.equal(r.message.attachments[0]?.filename, 'a.pdf');
  }
});

test('header_value_bytes: a 1 MB header not kept is flagged and the Content-Type after it still counts (issue 15)', () => {
  const fold = `\n\t${'j'.repeat(995)}`.repeat(1100);
  const msg = crlf(`X-Junk: x${fold}\nSubject: after\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: application/pdf; name=a.pdf\n\n%PDF-1\n--x--\n`);
  for (const size of [msg.length, 4096, 1000]) {
    const r = parseChunked(msg, size);
    assert.deepEqual(r.anomalies, ['mime_header_too_long'], `chunks of ${size}`);
    assert.equal(r.message.subject, 'after');
    assert.equal(r.message.content_type, 'multipart/mixed');
    assert.equal(r.message.attachments[0]?.filename, 'a.pdf');
  }
});

test('header_value_bytes: a value of exactly the cap is whole, one more is truncated', () => {
  const at = parse(crlf(`Subject: ${'v'.repeat(64)}\n\nb\n`), { limits: { header_value_bytes: 64 } });
  assert.equal(at.message.subject, 'v'.repeat(64));
  assert.deepEqual(at.anomalies, []);
  const past = parse(crlf(`Subject: ${'v'.repeat(65)}\n\nb\n`), { limits: { header_value_bytes: 64 } });
  assert.equal(past.message.subject, 'v'.repeat(64));
  assert.deepEqual(past.anomalies, ['mime_header_too_long']);
});

test('line_length: a line of exactly the limit passes, one byte longer is flagged and still decoded', () => {
  for (const [len, flagged] of [[100, false], [101, true]] as const) {
    const line = 'y'.repeat(len);
    const r = parse(crlf(`Content-Type: multipart/mixed; boundary=l\n\n--l\nContent-Type: text/plain; name=l.txt\n\n${line}\n--l--\n`), { limits: { line_length: 100 } });
    assert.equal(r.anomalies.includes('mime_line_too_long'), flagged, `length ${len}`);
    assert.equal(r.message.attachments[0]!.size, len);
  }
});

test('line_length: a line far longer than the buffer is hashed whole in pieces', () => {
  const data = Buffer.alloc(300_000, 0x7a);
  const msg = Buffer.concat([crlf('Content-Type: application/octet-stream; name=z\n\n'), data, crlf('\n')]);
  const r = parse(msg, { limits: { line_length: 1000 } });
  assert.equal(r.message.attachments[0]!.size, data.length + 2, 'the CRLF that ends the message is the body\'s');
  assert.deepEqual(r.anomalies, ['mime_line_too_long']);
});

test('boundary_length: a boundary of exactly the limit works, one longer is no boundary', () => {
  const b = 'B'.repeat(40);
  const msg = crlf(`Content-Type: multipart/mixed; boundary="${b}"\n\n--${b}\nContent-Type: application/octet-stream; name=x\n\nx\n--${b}--\n`);
  const at = parse(msg, { limits: { boundary_length: 40 } });
  assert.equal(at.message.attachments.length, 1);
  assert.deepEqual(at.anomalies, []);
  const past = parse(msg, { limits: { boundary_length: 39 } });
  assert.equal(past.message.attachments.length, 0);
  assert.deepEqual(past.anomalies, ['mime_boundary_missing']);
});

test('urls_per_message: the cap is message-wide; one past is dropped and flagged', () => {
  const msg = crlf('Content-Type: multipart/alternative; boundary=u\n\n--u\nContent-Type: text/plain\n\nhttp://a.example/1 http://a.example/2\n--u\nContent-Type: text/html\n\n<a href="http://a.example/3">x</a>\n--u--\n');
  const at = parse(msg, { limits: { urls_per_message: 3 } });
  assert.equal(at.message.urls?.length, 3);
  assert.deepEqual(at.anomalies, []);
  const past = parse(msg, { limits: { urls_per_message: 2 } });
  assert.deepEqual(past.message.urls, ['http://a.example/1', 'http://a.example/2']);
  assert.deepEqual(past.anomalies, ['mime_urls_exceeded']);
});

test('addresses_per_header: at the cap all kept, further ones dropped', () => {
  const msg = crlf('To: a@x.example, b@x.example, c@x.example\n\nb\n');
  assert.equal(parse(msg, { limits: { addresses_per_header: 3 } }).message.to?.length, 3);
  assert.equal(parse(msg, { limits: { addresses_per_header: 2 } }).message.to?.length, 2);
});
