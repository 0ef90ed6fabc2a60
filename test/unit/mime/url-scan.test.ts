// URL forms of issue 15 item 13: ftp, IPv6 literal hosts, www. without a scheme, protocol-relative
// links in HTML attributes; and the HTML part whose Content-Type parameters lost their folding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanUrls } from '../../../src/mime/url-scan.js';
import { crlf, parse, parseChunked } from './helpers.js';

function urls(text: string, html = false): string[] {
  const out: string[] = [];
  scanUrls(text, html, 2048, (u) => out.push(u));
  return out;
}

test('ftp and IPv6 literal hosts', () => {
  assert.deepEqual(urls('get ftp://files.example.net/pub/x.zip now'), ['ftp://files.example.net/pub/x.zip']);
  assert.deepEqual(urls('login at https://[2001:db8::1]:8443/a?b=1, or http://[::ffff:192.0.2.1]/.'), [
    'https://[2001:db8::1]:8443/a?b=1',
    'http://[::ffff:192.0.2.1]/',
  ]);
  assert.deepEqual(urls('http://user@[2001:db8::2]/x'), ['http://user@[2001:db8::2]/x']);
});

test('www. without a scheme is reported with http://; not inside URLs, names or addresses', () => {
  assert.deepEqual(urls('visit www.evil.example/pay?id=3. Or WWW.Other.example'), ['http://www.evil.example/pay?id=3', 'http://WWW.Other.example']);
  assert.deepEqual(urls('https://www.a.example/x and mail bob@www.b.example or sub.www.c.example'), ['https://www.a.example/x']);
  assert.deepEqual(urls('the www. prefix alone, or www.nodot'), []);
});

test('protocol-relative links in HTML attributes (only in HTML)', () => {
  const html = '<a href="//cdn.evil.example/x.js?a=1&amp;b=2">x</a><img src=//img.example/p.png><form action=\'//[2001:db8::3]/post\'>';
  assert.deepEqual(urls(html, true), ['http://cdn.evil.example/x.js?a=1&b=2', 'http://img.example/p.png', 'http://[2001:db8::3]/post']);
  assert.deepEqual(urls('a comment // not a link, see a=//x.example/p', false), []);
});

test('through the parser: an HTML attribute split across writes stays whole', () => {
  const msg = crlf(`Content-Type: text/html\n\n<p>hi</p><a href="//split.example/long/path/${'q'.repeat(40)}">go</a> www.w.example\n`);
  const whole = parse(msg);
  assert.deepEqual(whole.message.urls, [`http://split.example/long/path/${'q'.repeat(40)}`, 'http://www.w.example']);
  for (const size of [1, 5, 31]) assert.deepEqual(parseChunked(msg, size).message.urls, whole.message.urls, `chunks of ${size}`);
});

test('Content-Type parameters broken onto a line without leading whitespace still count (seen in the wild)', () => {
  const html = '<html><body><a href="https://evil.example/login">x</a></body></html>';
  const b64 = Buffer.from(html).toString('base64');
  for (const msg of [
    `Subject: s\nMIME-Version: 1.0\nContent-Type: text/html;\ncharset="utf-8"\nContent-Transfer-Encoding: base64\n\n${b64}\n`,
    `Subject: s\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html;\ncharset="utf-8"\nContent-Transfer-Encoding: base64\n\n${b64}\n--b--\n`,
  ]) {
    const r = parse(crlf(msg));
    assert.deepEqual(r.message.urls, ['https://evil.example/login']);
    assert.equal(r.message.subject, 's');
    assert.deepEqual(r.anomalies, ['mime_bad_folding']);
  }
  // A line without a colon after a value that does not end in ';' still ends the block (the body).
  const body = parse(crlf('Content-Type: text/plain\ncharset=x is the first body line\n'));
  assert.equal(body.message.headers_bytes, 'Content-Type: text/plain\r\n'.length);
});
