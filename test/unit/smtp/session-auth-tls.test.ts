// AUTH exchanges and STARTTLS through the whole session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant, ntlmType3 } from '../../helpers/smtp-script.js';
import type { Step } from '../../helpers/smtp-script.js';

const b64 = (s: string | Buffer): string => (Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8')).toString('base64');

function authSession(exchange: Step[]): Step[] {
  return [
    { s: '220 mx\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250-mx\r\n250 AUTH LOGIN PLAIN CRAM-MD5 XOAUTH2 OAUTHBEARER NTLM\r\n' },
    ...exchange,
    { c: 'MAIL FROM:<a@example.org>\r\n' },
    { s: '250 ok\r\n' },
  ];
}

const cases: { name: string; steps: Step[]; user: string | undefined; result: string; password?: string }[] = [
  {
    name: 'LOGIN with the user in the initial response',
    steps: [{ c: `AUTH LOGIN ${b64('joe')}\r\n` }, { s: '334 UGFzc3dvcmQ6\r\n' }, { c: `${b64('pw1')}\r\n` }, { s: '235 ok\r\n' }],
    user: 'joe', result: 'success', password: 'pw1',
  },
  {
    name: 'PLAIN with an initial response',
    steps: [{ c: `AUTH PLAIN ${b64('\0joe\0pw2')}\r\n` }, { s: '235 ok\r\n' }],
    user: 'joe', result: 'success', password: 'pw2',
  },
  {
    name: 'PLAIN after 334, with an authzid',
    steps: [{ c: 'AUTH PLAIN\r\n' }, { s: '334 \r\n' }, { c: `${b64('admin\0joe\0pw3')}\r\n` }, { s: '535 5.7.8 bad credentials\r\n' }],
    user: 'joe', result: 'failure', password: 'pw3',
  },
  {
    name: 'CRAM-MD5',
    steps: [{ c: 'AUTH CRAM-MD5\r\n' }, { s: `334 ${b64('<1896.697170952@mx>')}\r\n` }, { c: `${b64('tim b913a602c7eda7a495b4e6e7334d3890')}\r\n` }, { s: '235 ok\r\n' }],
    user: 'tim', result: 'success',
  },
  {
    name: 'XOAUTH2, with the error challenge and the empty response',
    steps: [{ c: `AUTH XOAUTH2 ${b64('user=sam@example.com\x01auth=Bearer tok\x01\x01')}\r\n` }, { s: `334 ${b64('{"status":"401"}')}\r\n` }, { c: '\r\n' }, { s: '535 no\r\n' }],
    user: 'sam@example.com', result: 'failure', password: 'Bearer tok',
  },
  {
    name: 'OAUTHBEARER',
    steps: [{ c: `AUTH OAUTHBEARER ${b64('n,a=kim@example.com,\x01host=mx\x01auth=Bearer t2\x01\x01')}\r\n` }, { s: '235 ok\r\n' }],
    user: 'kim@example.com', result: 'success', password: 'Bearer t2',
  },
  {
    name: 'NTLM, user and domain from the type 3 message (UTF-16LE)',
    steps: [
      { c: `AUTH NTLM ${b64(Buffer.from('NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2', 'latin1'))}\r\n` },
      { s: '334 TlRMTVNTUAACAAAA\r\n' },
      { c: `${b64(ntlmType3('CORP', 'Jöe', true))}\r\n` },
      { s: '235 ok\r\n' },
    ],
    user: 'CORP\\Jöe', result: 'success',
  },
  {
    name: 'NTLM with OEM strings, type 1 after 334',
    steps: [
      { c: 'AUTH NTLM\r\n' }, { s: '334 \r\n' },
      { c: `${b64(Buffer.from('NTLMSSP\0\x01\0\0\0\x06\x82\x08\xa2', 'latin1'))}\r\n` }, { s: '334 TlRMTVNTUAACAAAA\r\n' },
      { c: `${b64(ntlmType3('', 'bob', false))}\r\n` }, { s: '235 ok\r\n' },
    ],
    user: 'bob', result: 'success',
  },
  {
    name: 'LOGIN cancelled with *',
    steps: [{ c: 'AUTH LOGIN\r\n' }, { s: '334 VXNlcm5hbWU6\r\n' }, { c: '*\r\n' }, { s: '501 cancelled\r\n' }],
    user: undefined, result: 'failure',
  },
  {
    name: 'LOGIN refused with 454',
    steps: [{ c: `AUTH LOGIN ${b64('ann')}\r\n` }, { s: '334 UGFzc3dvcmQ6\r\n' }, { c: `${b64('x')}\r\n` }, { s: '454 4.7.0 try later\r\n' }],
    user: 'ann', result: 'failure', password: 'x',
  },
];

for (const c of cases) {
  test(`AUTH ${c.name}`, () => {
    const r = assertSplitInvariant(authSession(c.steps), {}, 5);
    const auth = r.sessions[0]!.auth!;
    assert.equal(auth.user, c.user);
    assert.equal(auth.result, c.result);
    assert.equal(auth.cleartext, true);
    assert.equal(auth.password, undefined);
    assert.deepEqual(r.transactions[0]!.auth, auth);
    assert.equal(r.transactions[0]!.mail_from, 'a@example.org', 'commands resume after the exchange');
    assert.equal(r.auths.length, 1);
    assert.deepEqual(r.anomalies, []);
    const logged = assertSplitInvariant(authSession(c.steps), { logPasswords: true });
    assert.equal(logged.sessions[0]!.auth!.password, c.password);
  });
}

test('AUTH: base64 that does not decode is an anomaly, not a crash', () => {
  const r = assertSplitInvariant(authSession([{ c: 'AUTH LOGIN\r\n' }, { s: '334 x\r\n' }, { c: 'not base64!\r\n' }, { s: '334 x\r\n' }, { c: 'Zm9v\r\n' }, { s: '535 no\r\n' }]));
  assert.deepEqual(r.sessions[0]!.anomalies, ['smtp_auth_malformed']);
  assert.equal(r.sessions[0]!.auth!.result, 'failure');
  const plain = assertSplitInvariant(authSession([{ c: `AUTH PLAIN ${b64('no-nuls')}\r\n` }, { s: '535 no\r\n' }]));
  assert.deepEqual(plain.sessions[0]!.anomalies, ['smtp_auth_malformed']);
});

test('AUTH on a client-only capture: the responses are taken in order, the result is unknown', () => {
  const r = assertSplitInvariant([
    { c: 'EHLO a\r\nAUTH LOGIN\r\n' },
    { c: `${b64('joe')}\r\n${b64('secret')}\r\nMAIL FROM:<a@example.org>\r\n` },
  ]);
  assert.deepEqual(r.sessions[0]!.auth, { mechanism: 'LOGIN', user: 'joe', result: 'unknown', cleartext: true });
  assert.equal(r.transactions[0]!.status, 'unknown');
  assert.deepEqual(r.auths, [['LOGIN', 'unknown', true]]);
});

const STARTTLS_PREFIX: Step[] = [
  { s: '220 mx ESMTP\r\n' },
  { c: 'EHLO a\r\n' },
  { s: '250-mx\r\n250-STARTTLS\r\n250 SIZE 100\r\n' },
  { c: 'STARTTLS\r\n' },
];

test('STARTTLS succeeded: the rest is TLS, skipped but counted', () => {
  const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00]);
  const r = assertSplitInvariant([
    ...STARTTLS_PREFIX,
    { s: '220 2.0.0 Ready to start TLS\r\n' },
    { c: hello },
    { s: Buffer.from([0x16, 0x03, 0x03, 0x00, 0x02, 0x0d, 0x0a]) },
    { c: Buffer.from([0x17, 0x03, 0x03, 0x00, 0x04, 0x4d, 0x41, 0x49, 0x4c, 0x0d, 0x0a]) },
  ]);
  const s = r.sessions[0]!;
  assert.equal(s.starttls, 'succeeded');
  assert.equal(s.transactions, 0);
  assert.equal(s.bytes_client, 'EHLO a\r\nSTARTTLS\r\n'.length + 10 + 11);
  assert.deepEqual(r.commands, ['EHLO', 'STARTTLS']);
  // Issue 16: the TLS bytes go to the handshake parser; this ClientHello is 1 byte long.
  assert.deepEqual(r.anomalies.map((a) => a.name), ['smtp_tls_malformed']);
  assert.deepEqual(s.tls_handshake, { outcome: 'unknown' });
});

test('STARTTLS refused (454) keeps the session in plaintext', () => {
  const r = assertSplitInvariant([
    ...STARTTLS_PREFIX,
    { s: '454 4.7.0 TLS not available\r\n' },
    { c: 'MAIL FROM:<a@example.org>\r\n' },
    { s: '250 ok\r\n' },
  ]);
  assert.equal(r.sessions[0]!.starttls, 'attempted');
  assert.equal(r.transactions[0]!.tls, false);
  assert.equal(r.transactions[0]!.mail_from, 'a@example.org');
});

test('STARTTLS on a decrypted feed: plaintext after the 220 is parsed, with tls true and cleartext false', () => {
  const r = assertSplitInvariant([
    ...STARTTLS_PREFIX,
    { s: '220 go ahead\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250-mx\r\n250 AUTH PLAIN\r\n' },
    { c: `AUTH PLAIN ${b64('\0joe\0pw')}\r\n` },
    { s: '235 ok\r\n' },
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' },
    { s: '250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: 'hi\r\n.\r\n' },
    { s: '250 ok\r\n' },
  ]);
  const t = r.transactions[0]!;
  assert.equal(t.tls, true);
  assert.equal(t.status, 'accepted');
  assert.deepEqual(t.auth, { mechanism: 'PLAIN', user: 'joe', result: 'success', cleartext: false });
  assert.equal(t.message?.signals, undefined);
  assert.equal(r.sessions[0]!.starttls, 'succeeded');
  assert.deepEqual(r.sessions[0]!.anomalies, ['smtp_plaintext_after_starttls']);
  assert.equal(r.anomalies.length, 2, 'one per direction');
});

test('STARTTLS with the reply unseen: a TLS record from the client still stops the parsing', () => {
  const r = assertSplitInvariant([
    { c: 'EHLO a\r\nSTARTTLS\r\n' },
    { c: Buffer.from([0x16, 0x03, 0x01, 0x00, 0x02, 0x0d, 0x0a, 0x0d, 0x0a]) },
  ]);
  assert.equal(r.sessions[0]!.starttls, 'succeeded');
  assert.deepEqual(r.commands, ['EHLO', 'STARTTLS']);
});
