import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RECOGNITION_ONE_SIDE_LIMIT, RECOGNITION_WINDOW, SmtpRecognizer, httpPreamble } from '../../../src/smtp/recognize.js';
import type { Recognition } from '../../../src/smtp/recognize.js';
import type { Direction } from '../../../src/flow/types.js';

function feed(onSmtpPort: boolean, steps: [Direction, string | Buffer][], chunk = 0): Recognition {
  const r = new SmtpRecognizer(onSmtpPort);
  for (const [dir, data] of steps) {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
    if (chunk <= 0) r.feed(dir, b);
    else for (let i = 0; i < b.length; i += chunk) r.feed(dir, b.subarray(i, i + chunk));
  }
  return r.state;
}

test('SMTP ports: the greeting or EHLO alone; any reply line or known verb (midstream)', () => {
  for (const chunk of [0, 1, 3]) {
    assert.equal(feed(true, [['s2c', '220 mx ESMTP\r\n']], chunk), 'smtp');
    assert.equal(feed(true, [['c2s', 'EHLO a\r\n']], chunk), 'smtp');
    assert.equal(feed(true, [['s2c', '250-PIPELINING\r\n']], chunk), 'smtp');
    assert.equal(feed(true, [['c2s', 'ody text\r\nmore\r\nRCPT TO:<a>\r\n']], chunk), 'smtp');
    assert.equal(feed(true, [['s2c', '220 mx']], chunk), 'pending');
  }
});

test('SMTP ports: text without verbs or replies is taken as SMTP after MAX_LINES or the window', () => {
  assert.equal(feed(true, [['c2s', 'a\r\nb\r\n']]), 'pending');
  assert.equal(feed(true, [['c2s', 'a\r\nb\r\nc\r\n']]), 'smtp');
  assert.equal(feed(true, [['c2s', 'x'.repeat(RECOGNITION_WINDOW - 1)]]), 'pending');
  assert.equal(feed(true, [['c2s', 'x'.repeat(RECOGNITION_WINDOW)]]), 'smtp');
});

test('other ports: both the 220 greeting and HELO/EHLO are needed', () => {
  assert.equal(feed(false, [['s2c', '220 mx\r\n']]), 'pending');
  assert.equal(feed(false, [['s2c', '220 mx\r\n'], ['c2s', 'helo a\r\n']]), 'smtp');
  assert.equal(feed(false, [['c2s', 'EHLO a\r\n'], ['s2c', '220-mx\r\n220 mx\r\n']], 1), 'smtp');
  assert.equal(feed(false, [['s2c', '250 mx\r\n'], ['c2s', 'EHLO a\r\n']]), 'not_smtp');
  assert.equal(feed(false, [['s2c', '220 mx\r\n'], ['c2s', 'MAIL FROM:<a>\r\n']]), 'not_smtp');
  assert.equal(feed(false, [['s2c', '220 mx\r\n'], ['s2c', 'x'.repeat(RECOGNITION_ONE_SIDE_LIMIT)]]), 'not_smtp');
  assert.equal(feed(false, [['c2s', 'y'.repeat(RECOGNITION_WINDOW)]]), 'not_smtp');
});

test('TLS, HTTP and binary are not SMTP, on any port, at once', () => {
  const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10]);
  // Issue 16: a ClientHello on an SMTP port is implicit TLS (below); elsewhere it is not SMTP at once.
  assert.equal(feed(false, [['c2s', hello]]), 'not_smtp');
  assert.equal(feed(true, [['c2s', Buffer.from([0x17, 0x03, 0x03, 0x00, 0x10, 0x00])]]), 'not_smtp');
  for (const port of [true, false]) {
    assert.equal(feed(port, [['s2c', Buffer.from([0x15, 0x03, 0x03])]]), 'not_smtp');
    assert.equal(feed(port, [['c2s', 'GET / HTTP/1.1\r\n']]), 'not_smtp');
    assert.equal(feed(port, [['s2c', 'HTTP/1.1 400 Bad\r\n']]), 'not_smtp');
    assert.equal(feed(port, [['c2s', Buffer.from('EH\x00LO\r\n', 'latin1')]]), 'not_smtp');
  }
  // Text with ESC (ISO-2022-JP) and 8-bit bytes is still text.
  assert.equal(feed(true, [['c2s', Buffer.from('\x1b$B\x30\x21\x1b(B \xe9\r\nQUIT\r\n', 'latin1')]]), 'smtp');
});

test('decisions are final; finish() calls an undecided connection not SMTP', () => {
  const r = new SmtpRecognizer(true);
  assert.equal(r.feed('c2s', Buffer.from('EHLO a\r\n')), 'smtp');
  assert.equal(r.feed('s2c', Buffer.from([0x16, 0x03])), 'smtp');
  const p = new SmtpRecognizer(true);
  p.feed('c2s', Buffer.from('hel'));
  assert.equal(p.finish(), 'not_smtp');
  assert.equal(new SmtpRecognizer(false).finish(), 'not_smtp');
});

test('HTTP CONNECT tunnels: the preamble is skipped, then greeting AND HELO/EHLO are needed', () => {
  const connect = 'CONNECT mx.example.net:25 HTTP/1.0\r\nUser-Agent: x\r\n\r\n';
  const ok = 'HTTP/1.0 200 Connection established\r\n\r\n';
  for (const chunk of [0, 1, 5]) {
    assert.equal(feed(false, [['c2s', connect], ['s2c', ok], ['s2c', '220 mx\r\n'], ['c2s', 'HELO a\r\n']], chunk), 'smtp');
    assert.equal(feed(true, [['c2s', connect], ['s2c', ok], ['s2c', '220 mx\r\n']], chunk), 'pending');
    assert.equal(feed(false, [['c2s', connect], ['s2c', 'HTTP/1.0 403 Forbidden\r\n\r\n']], chunk), 'not_smtp');
    assert.equal(feed(false, [['c2s', connect], ['s2c', ok], ['s2c', '<html>\r\n']], chunk), 'not_smtp');
  }
  const r = new SmtpRecognizer(false);
  r.feed('c2s', Buffer.from(connect));
  assert.deepEqual(r.tunnel, [true, false]);
});

test('httpPreamble: length, undecided, none', () => {
  const b = (s: string): [Buffer, number] => [Buffer.from(s), s.length];
  assert.equal(httpPreamble(...b('CONNECT a:25 HTTP/1.1\r\n\r\nHELO'), 0), 25);
  assert.equal(httpPreamble(...b('CONNECT a:25 HTTP/1.1\n\nHELO'), 0), 23);
  assert.equal(httpPreamble(...b('CONN'), 0), -1);
  assert.equal(httpPreamble(...b('CONNECT a:25 HTTP/1.1\r\nHost: a\r\n'), 0), -1);
  assert.equal(httpPreamble(...b('EHLO a\r\n'), 0), 0);
  assert.equal(httpPreamble(...b('HTTP/1.1 200 OK\r\n\r\n220'), 1), 19);
  assert.equal(httpPreamble(...b('HTTP/1.1 407 Auth\r\n\r\n'), 1), 0);
  assert.equal(httpPreamble(...b('220 mx\r\n'), 1), 0);
});

/** A ClientHello's first 6 bytes: record header (handshake, 3.1, length) and handshake type 1. */
const CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xf8, 0x01, 0x00, 0x00, 0xf4, 0x03, 0x03]);

test('implicit TLS (issue 16): a ClientHello first on an SMTP port is an SMTP session in TLS, at any split', () => {
  for (const chunk of [0, 1, 2, 5]) {
    const r = new SmtpRecognizer(true);
    for (let i = 0; i < CLIENT_HELLO.length; i += chunk || CLIENT_HELLO.length) r.feed('c2s', CLIENT_HELLO.subarray(i, i + (chunk || CLIENT_HELLO.length)));
    assert.equal(r.state, 'smtp', `chunk ${chunk}`);
    assert.equal(r.implicitTls, true);
  }
  // Five bytes do not tell a ClientHello from another handshake record: undecided until the sixth.
  const r = new SmtpRecognizer(true);
  assert.equal(r.feed('c2s', CLIENT_HELLO.subarray(0, 5)), 'pending');
  // A handshake record that is not a ClientHello (a ServerHello sent by the client) is not SMTP.
  assert.equal(feed(true, [['c2s', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x10, 0x02])]]), 'not_smtp');
  // A bad record header (version 2.0) is not TLS.
  assert.equal(feed(true, [['c2s', Buffer.from([0x16, 0x02, 0x00, 0x00, 0x10, 0x01])]]), 'not_smtp');
  // A plaintext greeting first: ordinary SMTP, even on 465 (suricata-verify smtp-errors).
  const g = new SmtpRecognizer(true, true);
  g.feed('s2c', Buffer.from('220 mx ESMTP\r\n'));
  assert.equal(g.state, 'smtp');
  assert.equal(g.implicitTls, false);
});

test('implicit TLS on 465: recognised off the SMTP ports too, and from any TLS record (midstream pickup)', () => {
  const off = new SmtpRecognizer(false, true);
  assert.equal(off.feed('c2s', CLIENT_HELLO), 'smtp');
  assert.equal(off.implicitTls, true);
  const mid = new SmtpRecognizer(true, true);
  assert.equal(mid.feed('s2c', Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20, 0xaa])), 'smtp');
  assert.equal(mid.implicitTls, true);
  // On another port that is not an SMTP port, TLS stays not SMTP (HTTPS and the rest).
  assert.equal(new SmtpRecognizer(false, false).feed('c2s', CLIENT_HELLO), 'not_smtp');
  // On an SMTP port other than 465, only the client's ClientHello opens implicit TLS.
  assert.equal(new SmtpRecognizer(true, false).feed('s2c', Buffer.from([0x17, 0x03, 0x03, 0x00, 0x20, 0xaa])), 'not_smtp');
});
