import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseEhloKeyword } from '../../../src/smtp/session-record.js';
import { KNOWN_EHLO_KEYWORDS, knownKeywordAt } from '../../../src/smtp/ehlo-keywords.js';

/** The general rule of normaliseEhloKeyword, written out once more: the fast path must agree with it. */
function general(raw: string): string {
  const kw = raw.toUpperCase().replace(/[^A-Z0-9=-]/g, '-');
  return /^[A-Z0-9]/.test(kw) ? kw : '';
}

test('the keyword fast path gives what the general rule gives, on every kind of keyword', () => {
  const alphabet = ['A', 'Z', 'a', 'z', '0', '9', '=', '-', '_', '.', ' ', '\t', '\u00e9', '\u00df', '\u0131', '\ud800', '\u2028', '"'];
  let seed = 12;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const cases = ['PIPELINING', 'SIZE', 'AUTH=LOGIN', '8BITMIME', 'X-EXPS', 'PIPE_CONNECT', 'pipelining', '-BAD', '=X', '', 'ß', 'ı'];
  for (let i = 0; i < 5000; i++) {
    let s = '';
    const len = rnd(8);
    for (let k = 0; k < len; k++) s += alphabet[rnd(alphabet.length)];
    cases.push(s);
  }
  for (const raw of cases) assert.equal(normaliseEhloKeyword(raw), general(raw), JSON.stringify(raw));
});

test('every shared known keyword keeps the grammar, and any spelling of one normalises to it', () => {
  // The table's strings are what sessions keep (one shared string per keyword, issue 12): a table
  // entry outside the grammar would change what the general rule reports.
  for (const k of KNOWN_EHLO_KEYWORDS) {
    assert.equal(general(k), k, k);
    assert.equal(normaliseEhloKeyword(k), k, k);
    // A copy made at run time (as a reply's text is) and a lower-case spelling give the same keyword.
    assert.equal(normaliseEhloKeyword(Buffer.from(k).toString('latin1')), k, k);
    assert.equal(normaliseEhloKeyword(k.toLowerCase()), general(k.toLowerCase()), k);
  }
});

test('a reply text is recognised as a known keyword only when its bytes spell it exactly', () => {
  const texts = [...KNOWN_EHLO_KEYWORDS, 'pipelining', 'PIPELININ', 'PIPELININGS', 'PIPELINING ', 'SIZE 10240000', 'AUTH PLAIN', 'STARTTLs', 'DSN\u00e9', '', 'X'];
  for (const k of KNOWN_EHLO_KEYWORDS) for (let i = 0; i < k.length; i++) texts.push(k.slice(0, i) + String.fromCharCode(k.charCodeAt(i) ^ 0x01) + k.slice(i + 1));
  for (const text of texts) {
    const line = Buffer.from(`250-${text}\r\n`, 'utf8');
    const end = line.length - 2;
    const known = knownKeywordAt(line, 4, end);
    // Whatever it finds is the text the bytes decode to; it finds every table entry and nothing else.
    if (known !== null) assert.equal(known, line.toString('utf8', 4, end), text);
    assert.equal(known !== null, KNOWN_EHLO_KEYWORDS.includes(line.toString('utf8', 4, end)), text);
  }
});
