import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthExchange, classifyPrompt, decodeBase64 } from '../../../src/smtp/auth.js';
import { ntlmType3 } from '../../helpers/smtp-script.js';

const b64 = (s: string | Buffer): Buffer => Buffer.from((Buffer.isBuffer(s) ? s : Buffer.from(s)).toString('base64'));

test('strict base64: alphabet, padding only at the end, no impossible lengths', () => {
  assert.equal(decodeBase64(Buffer.from('Zm9v'))!.toString(), 'foo');
  assert.equal(decodeBase64(Buffer.from('Zm8='))!.toString(), 'fo');
  assert.equal(decodeBase64(Buffer.from('Zm8'))!.toString(), 'fo');
  assert.equal(decodeBase64(Buffer.from(''))!.length, 0);
  assert.equal(decodeBase64(Buffer.from('Zm9v \t'))!.toString(), 'foo');
  for (const bad of ['Zm9v!', 'Z=9v', 'Zm9vY', 'Zm===', 'MAIL FROM:<a>', '*']) assert.equal(decodeBase64(Buffer.from(bad)), null, bad);
});

test('LOGIN: the user then the password, by order; responses expected with and without the initial one', () => {
  const a = new AuthExchange('login', null);
  assert.equal(a.mechanism, 'LOGIN');
  assert.equal(a.expected, 2);
  assert.equal(a.onResponse(b64('u')), 'ok');
  assert.equal(a.onResponse(b64('p')), 'ok');
  assert.equal(a.expected, 0);
  assert.equal(a.onReply(334), false);
  assert.equal(a.onReply(235), true);
  assert.deepEqual(a.facts(false), { mechanism: 'LOGIN', user: 'u', result: 'success', cleartext: true });
  assert.deepEqual(a.facts(true).password, 'p');
  const b = new AuthExchange('LOGIN', b64('u2'));
  assert.equal(b.expected, 1);
  assert.equal(b.user, 'u2');
});

test('PLAIN, CRAM-MD5, XOAUTH2, OAUTHBEARER, NTLM decoders', () => {
  const plain = new AuthExchange('PLAIN', b64('z\0u\0p'));
  assert.deepEqual([plain.user, plain.password, plain.expected], ['u', 'p', 0]);
  assert.equal(new AuthExchange('PLAIN', b64('nonul')).initialMalformed, true);
  assert.equal(new AuthExchange('PLAIN', Buffer.from('=')).expected, 0);
  const cram = new AuthExchange('CRAM-MD5', null);
  assert.equal(cram.onResponse(b64('tim abcdef')), 'ok');
  assert.equal(cram.user, 'tim');
  assert.equal(new AuthExchange('CRAM-MD5', null).onResponse(b64('nospace')), 'malformed');
  const x = new AuthExchange('XOAUTH2', b64('user=a@b\x01auth=Bearer t\x01\x01'));
  assert.deepEqual([x.user, x.password], ['a@b', 'Bearer t']);
  const o = new AuthExchange('OAUTHBEARER', b64('n,a=c=2Cd@e,\x01auth=Bearer q\x01\x01'));
  assert.deepEqual([o.user, o.password], ['c,d@e', 'Bearer q']);
  assert.equal(new AuthExchange('XOAUTH2', b64('junk')).initialMalformed, true);
  const n = new AuthExchange('NTLM', null);
  assert.equal(n.expected, 2);
  assert.equal(n.onResponse(b64(Buffer.from('NTLMSSP\0\x01\0\0\0\0\0\0\0', 'latin1'))), 'ok');
  assert.equal(n.onResponse(b64(ntlmType3('DOM', 'ünï', true))), 'ok');
  assert.equal(n.user, 'DOM\\ünï');
  assert.equal(new AuthExchange('NTLM', null).onResponse(b64('not ntlm at all')), 'malformed');
  const truncated = ntlmType3('D', 'U', true).subarray(0, 40);
  assert.equal(new AuthExchange('NTLM', null).onResponse(b64(truncated)), 'malformed');
  const outOfBounds = ntlmType3('D', 'U', true);
  outOfBounds.writeUInt32LE(5000, 40);
  assert.equal(new AuthExchange('NTLM', null).onResponse(b64(outOfBounds)), 'malformed');
});

test('cancel, failure codes, unknown mechanisms', () => {
  const a = new AuthExchange('LOGIN', null);
  assert.equal(a.onResponse(Buffer.from('*')), 'cancel');
  assert.equal(a.expected, 0);
  assert.equal(a.result, 'failure');
  const b = new AuthExchange('PLAIN', null);
  b.onReply(454);
  assert.equal(b.result, 'failure');
  const g = new AuthExchange('GSSAPI', null);
  assert.equal(g.expected, Number.POSITIVE_INFINITY);
  assert.equal(g.onResponse(b64('opaque')), 'ok');
  assert.equal(g.user, undefined);
});

test('LOGIN "=" (RFC 4954 §4 empty initial response): an empty user, the next answer is the password', () => {
  const a = new AuthExchange('LOGIN', Buffer.from('='));
  assert.equal(a.expected, 1);
  assert.equal(a.initialMalformed, false);
  a.onChallenge('UGFzc3dvcmQ6');
  assert.equal(a.onResponse(b64('s3cret-pw')), 'ok');
  assert.deepEqual(a.facts(false), { mechanism: 'LOGIN', user: '', result: 'unknown', cleartext: true });
  assert.equal(a.facts(true).password, 's3cret-pw');
});

test('LOGIN prompts: the user is the answer to the last username prompt; a password prompt is never the user', () => {
  const a = new AuthExchange('LOGIN', null);
  for (const [prompt, answer] of [['VXNlcm5hbWU6', 'first'], ['VXNlcm5hbWU6', 'second'], ['UGFzc3dvcmQ6', 'pw']] as const) {
    a.onChallenge(prompt);
    a.onResponse(b64(answer));
  }
  assert.deepEqual([a.user, a.password], ['second', 'pw']);
  // A server that asks for the password first: its answer is a secret, whatever the order.
  const b = new AuthExchange('LOGIN', null);
  b.onChallenge(b64('Password:').toString());
  b.onResponse(b64('pw-first'));
  assert.deepEqual([b.user, b.password], [undefined, 'pw-first']);
  // Unseen or unclassified prompts: only the first answer can be the user.
  const c = new AuthExchange('LOGIN', null);
  c.onChallenge('Tm8gaWRlYQ==');
  for (const s of ['u', 'p1', 'p2']) c.onResponse(b64(s));
  assert.deepEqual([c.user, c.password], ['u', 'p2']);
});

test('prompt classification: base64 or raw text, password wins', () => {
  assert.equal(classifyPrompt('VXNlcm5hbWU6'), 'user');
  assert.equal(classifyPrompt('dXNlcm5hbWU6'), 'user');
  assert.equal(classifyPrompt('UGFzc3dvcmQ6'), 'password');
  assert.equal(classifyPrompt('Login:'), 'user');
  assert.equal(classifyPrompt(b64('User password:').toString()), 'password');
  assert.equal(classifyPrompt(''), 'other');
});

test('a mechanism that is not a known name is "unknown" and its responses are never decoded', () => {
  const creds = b64('joe:Passw0rdzz');
  const a = new AuthExchange(creds.toString(), null);
  assert.equal(a.mechanism, 'unknown');
  assert.equal(a.expected, Number.POSITIVE_INFINITY);
  a.onResponse(b64('\0joe\0pw'));
  assert.deepEqual(a.facts(true), { mechanism: 'unknown', result: 'unknown', cleartext: true });
});
