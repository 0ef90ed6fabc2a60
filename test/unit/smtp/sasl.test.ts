// The AUTH argument (issue 15 items 2 and 3): any blanks separate, and only a known mechanism
// name is ever reported; anything else (base64 credentials included) becomes "unknown".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mechanismName, parseAuthArg } from '../../../src/smtp/sasl.js';

const arg = (s: string) => parseAuthArg(Buffer.from(s, 'latin1'));

test('known names in any case; registered families; everything else is "unknown"', () => {
  for (const m of ['PLAIN', 'login', 'Cram-MD5', 'XOAUTH2', 'OAUTHBEARER', 'NTLM', 'GSSAPI', 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1', 'GS2-KRB5', 'EXTERNAL']) {
    assert.equal(mechanismName(m), m.toUpperCase(), m);
  }
  const b64 = Buffer.from('joe:Passw0rdzz').toString('base64');
  // Syntax-valid once upper-cased (RFC 4422 §3.1) and still not a mechanism: the reason for the list.
  for (const m of [b64, 'AG1LAGHLBGXV', 'PLAIN\tAGpvZQBw', 'X-MADE-UP', 'A'.repeat(21), '', 'PL@IN', 'SCRAM-SHA-999']) {
    assert.equal(mechanismName(m), 'unknown', JSON.stringify(m));
  }
});

test('tabs and runs of spaces separate the mechanism from the initial response', () => {
  assert.deepEqual(arg('PLAIN\tAGpvZQBw'), { mechanism: 'PLAIN', initial: Buffer.from('AGpvZQBw') });
  assert.deepEqual(arg('PLAIN   \t AGpvZQBw  '), { mechanism: 'PLAIN', initial: Buffer.from('AGpvZQBw  ') });
  assert.deepEqual(arg('\tlogin'), { mechanism: 'LOGIN', initial: null });
  assert.deepEqual(arg('LOGIN ='), { mechanism: 'LOGIN', initial: Buffer.from('=') });
  assert.deepEqual(arg(''), { mechanism: 'unknown', initial: null });
  assert.deepEqual(arg('am9lOnBhc3M= x'), { mechanism: 'unknown', initial: Buffer.from('x') });
});
