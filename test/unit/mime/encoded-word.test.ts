import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { decodeEncodedWords } from '../../../src/mime/encoded-word.js';

function run(raw: string): { text: string; anomalies: string[] } {
  const s = new AnomalySet();
  return { text: decodeEncodedWords(raw, s), anomalies: s.list() };
}

test('B and Q words decode; `_` is a space in Q', () => {
  assert.equal(run('=?gb2312?B?26zQocHB?=').text, '郜小亮');
  assert.equal(run('=?iso-8859-1?Q?caf=E9_au_lait?=').text, 'café au lait');
});

test('whitespace between adjacent encoded words is dropped, text around them kept', () => {
  assert.equal(run('Re: =?utf-8?Q?a?= \r\n =?utf-8?Q?b?= tail').text, 'Re: ab tail');
  assert.equal(run('=?utf-8?Q?a?= x =?utf-8?Q?b?=').text, 'a x b');
});

test('a multibyte character split across two words decodes whole', () => {
  const euro = Buffer.from('€', 'utf8');
  const raw = `=?utf-8?B?${euro.subarray(0, 1).toString('base64')}?= =?UTF-8?B?${euro.subarray(1).toString('base64')}?=`;
  assert.deepEqual(run(raw), { text: '€', anomalies: [] });
  const q = '=?utf-8?Q?=E2=82?= =?utf-8?Q?=AC?=';
  assert.equal(run(q).text, '€');
});

test('unknown charset and bad base64 keep the raw word (with its whitespace) and flag it', () => {
  const r = run('=?x-nope?Q?abc?= =?utf-8?B?###?= ok');
  assert.equal(r.text, '=?x-nope?Q?abc?= =?utf-8?B?###?= ok');
  assert.deepEqual(r.anomalies.sort(), ['mime_bad_encoded_word', 'mime_invalid_base64', 'mime_unknown_charset']);
});

test('an invalid Q escape keeps the word raw', () => {
  const r = run('=?utf-8?Q?bad=ZZ?=');
  assert.equal(r.text, '=?utf-8?Q?bad=ZZ?=');
  assert.deepEqual(r.anomalies, ['mime_bad_encoded_word']);
});

test('empty encoded words and missing base64 padding are tolerated', () => {
  assert.equal(run('=?ISO-8859-1?B?Qw==?==?ISO-8859-1?B??=').text, 'C');
  assert.equal(run('=?utf-8?B?YWJj?=').text, 'abc');
  assert.equal(run('=?utf-8?B?YWI?=').text, 'ab');
});

test('text without encoded words comes back unchanged', () => {
  assert.equal(run('plain =? not a word ?=').text, 'plain =? not a word ?=');
});
