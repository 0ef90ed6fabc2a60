import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { makeTextDecoder, resolveCharset } from '../../../src/mime/charset.js';
import { TextSink, UrlSet } from '../../../src/mime/text-sink.js';

function run(chunks: Buffer[], charset: string, max = 100, html = false) {
  const s = new AnomalySet();
  const urls = new UrlSet(max, s);
  const t = new TextSink(makeTextDecoder(resolveCharset(charset)!), true, urls, html);
  for (const c of chunks) t.write(c);
  return { sha: t.finish(), urls: urls.list(), anomalies: s.list() };
}

test('text_sha256 is over the UTF-8 text after charset decoding', () => {
  const gb = Buffer.from([0xdb, 0xac, 0xd0, 0xa1, 0xc1, 0xc1]);
  const r = run([gb.subarray(0, 3), gb.subarray(3)], 'gb2312');
  assert.equal(r.sha, createHash('sha256').update('郜小亮', 'utf8').digest('hex'));
});

test('URLs: distinct, trailing punctuation dropped, split across writes, &amp; in HTML', () => {
  const text = 'see http://a.example/x?y=1. and https://b.example/p, again http://a.example/x?y=1 <a href="https://c.example/?a=1&amp;b=2">';
  const b = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < b.length; i += 7) chunks.push(b.subarray(i, i + 7));
  assert.deepEqual(run(chunks, 'utf-8', 100, true).urls, ['http://a.example/x?y=1', 'https://b.example/p', 'https://c.example/?a=1&b=2']);
});

test('URL cap: exactly at the limit all kept, one past dropped and flagged', () => {
  const text = Buffer.from('http://a.example/1 http://a.example/2 http://a.example/3');
  assert.deepEqual(run([text], 'utf-8', 3).anomalies, []);
  const r = run([text], 'utf-8', 2);
  assert.deepEqual(r.urls, ['http://a.example/1', 'http://a.example/2']);
  assert.deepEqual(r.anomalies, ['mime_urls_exceeded']);
  assert.deepEqual(run([text], 'utf-8', 0).urls, []);
});

test('a long run without delimiters is not carried beyond URL_CARRY_CHARS', () => {
  const long = Buffer.from('x'.repeat(10_000) + ' http://after.example/ok');
  const chunks: Buffer[] = [];
  for (let i = 0; i < long.length; i += 3000) chunks.push(long.subarray(i, i + 3000));
  assert.deepEqual(run(chunks, 'utf-8').urls, ['http://after.example/ok']);
});

test('a URL is kept to URL_CARRY_CHARS characters', () => {
  const url = 'http://long.example/' + 'p'.repeat(5000);
  const r = run([Buffer.from(`${url} end`)], 'utf-8');
  assert.deepEqual(r.urls, [url.slice(0, 2048)]);
});

test('text_sha256 is the same whether a write is whole UTF-8, split inside a character, or invalid', () => {
  const text = Buffer.from('Zażółć gęślą jaźń — 郜小亮 ✅\r\n'.repeat(3));
  const want = createHash('sha256').update(text).digest('hex');
  assert.equal(run([text], 'utf-8').sha, want);
  assert.equal(run([text.subarray(0, 5), text.subarray(5)], 'utf-8').sha, want, 'cut inside ż');
  assert.equal(run([text], 'us-ascii').sha, want, 'mislabelled US-ASCII is read as UTF-8');
  const bad = Buffer.concat([text, Buffer.from([0xff, 0x41])]);
  assert.equal(run([bad], 'utf-8').sha, createHash('sha256').update(bad.toString('utf8'), 'utf8').digest('hex'));
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]);
  assert.equal(run([bom], 'utf-8').sha, want, 'a leading BOM is not part of the text');
});

test('text_sha256 of one write (hashed in one shot), of none, and of many agree with the whole text', () => {
  const text = 'Grüße aus Köln, 郜小亮 ' + 'x'.repeat(300);
  const b = Buffer.from(text, 'utf8');
  const expect = createHash('sha256').update(text, 'utf8').digest('hex');
  assert.equal(run([b], 'utf-8').sha, expect);
  assert.equal(run([b.subarray(0, 1), b.subarray(1)], 'utf-8').sha, expect);
  assert.equal(run(Array.from({ length: Math.ceil(b.length / 5) }, (_, i) => b.subarray(i * 5, i * 5 + 5)), 'utf-8').sha, expect);
  assert.equal(run([], 'utf-8').sha, createHash('sha256').update('').digest('hex'));
});
