import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { parseStructured } from '../../../src/mime/structured-header.js';

function p(raw: string): { value: string; params: Record<string, string>; anomalies: string[] } {
  const s = new AnomalySet();
  const r = parseStructured(raw, s);
  return { value: r.value, params: Object.fromEntries(r.params), anomalies: s.list() };
}

test('media type lower-cased, quoted and bare parameters, comments dropped', () => {
  const r = p('Multipart/Mixed (comment); Boundary="a;b \\"c\\""; charset=UTF-8 ;x=1');
  assert.equal(r.value, 'multipart/mixed');
  assert.deepEqual(r.params, { boundary: 'a;b "c"', charset: 'UTF-8', x: '1' });
});

test('the first of duplicated parameters wins', () => {
  assert.equal(p('text/plain; charset=a; charset=b').params.charset, 'a');
});

test('RFC 2231 charset, language and percent-encoding', () => {
  assert.equal(p("attachment; filename*=iso-8859-1'fr'caf%E9.txt").params.filename, 'café.txt');
});

test('RFC 2231 continuations, encoded and plain, out of order', () => {
  const r = p("attachment; filename*1*=%E5%91%8A; filename*0*=utf-8''%E6%8A%A5; filename*2=\".pdf\"");
  assert.equal(r.params.filename, '报告.pdf');
});

test('RFC 2231 with an unknown charset keeps the bytes (latin1) and flags it', () => {
  const r = p("attachment; filename*=x-nope''a%41");
  assert.equal(r.params.filename, 'aA');
  assert.deepEqual(r.anomalies, ['mime_unknown_charset']);
});

test('encoded words inside a quoted name (Outlook) are decoded', () => {
  assert.equal(p('application/octet-stream; name="=?gb2312?B?uL28/i5kb2M=?="').params.name, '附件.doc');
});

test('garbage never throws', () => {
  for (const g of ['', ';;;', '=', 'a/b; =x', 'a/b; x*=', 'a/b; x*99999=1', '"unterminated; y=2', '(((']) {
    assert.doesNotThrow(() => p(g));
  }
});
