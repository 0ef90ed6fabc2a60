import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNOWN_EHLO_KEYWORDS, normaliseEhloKeyword } from '../../../src/smtp/session-record.js';

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
