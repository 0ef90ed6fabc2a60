// Issue 16 through the SMTP session: the bytes after STARTTLS's 220 reach the TLS parser and
// become smtp_session.tls_handshake; a connection that starts with a ClientHello (SMTPS) is an
// SMTP session with implicit_tls. Every script is also run split at every byte offset.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TlsHandshake } from '../../../src/tls/handshake.js';
import { assertSplitInvariant, runScript } from '../../helpers/smtp-script.js';
import type { Step } from '../../helpers/smtp-script.js';
import { CT, certificateBody, clientHelloBody, fixtureCertDer, handshakeMessage, record, serverHelloBody } from '../../helpers/tls-records.js';

const ENCRYPTED = Buffer.alloc(24, 0xee);
const TLS12: Step[] = [
  { c: record(CT.handshake, handshakeMessage(1, clientHelloBody()), 0x0301) },
  { s: record(CT.handshake, Buffer.concat([handshakeMessage(2, serverHelloBody(0xc030)), handshakeMessage(11, certificateBody(fixtureCertDer())), handshakeMessage(14, [])])) },
  { c: Buffer.concat([record(CT.handshake, handshakeMessage(16, Buffer.alloc(33, 4))), record(CT.ccs, [1]), record(CT.handshake, ENCRYPTED)]) },
  { s: Buffer.concat([record(CT.ccs, [1]), record(CT.handshake, ENCRYPTED)]) },
  { c: record(CT.appData, ENCRYPTED) },
  { s: record(CT.appData, ENCRYPTED) },
];

/** What the TLS parser alone makes of the same bytes: the session must report exactly that. */
function direct(steps: Step[]): unknown {
  const hs = new TlsHandshake(65536, () => undefined);
  for (const s of steps) if ('c' in s) hs.feed('c2s', s.c as Buffer);
  else if ('s' in s) hs.feed('s2c', s.s as Buffer);
  return hs.facts();
}

test('STARTTLS: the handshake after the 220 is smtp_session.tls_handshake, whatever the segmentation', () => {
  const r = assertSplitInvariant(
    [
      { s: '220 mx ESMTP\r\n' },
      { c: 'EHLO a\r\n' },
      { s: '250-mx\r\n250 STARTTLS\r\n' },
      { c: 'STARTTLS\r\n' },
      { s: '220 2.0.0 Ready to start TLS\r\n' },
      ...TLS12,
    ],
    {},
    3,
  );
  const s = r.sessions[0]!;
  assert.equal(s.starttls, 'succeeded');
  assert.equal(s.implicit_tls, undefined);
  assert.deepEqual(r.anomalies, []);
  assert.deepEqual(s.tls_handshake, direct(TLS12));
  assert.equal(s.tls_handshake?.outcome, 'established');
  assert.equal(s.tls_handshake.cipher, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
  assert.equal(s.tls_handshake.certificate?.subject_cn, 'mx.mailtap.test');
});

test('no STARTTLS, or STARTTLS refused: no tls_handshake', () => {
  const r = runScript([{ s: '220 mx\r\n' }, { c: 'EHLO a\r\n' }, { s: '250-mx\r\n250 STARTTLS\r\n' }, { c: 'STARTTLS\r\n' }, { s: '454 4.7.0 TLS not available\r\n' }]);
  assert.equal(r.sessions[0]!.starttls, 'attempted');
  assert.equal(r.sessions[0]!.tls_handshake, undefined);
  const offered = runScript([{ s: '220 mx\r\n' }, { c: 'EHLO a\r\n' }, { s: '250-mx\r\n250 STARTTLS\r\n' }, { c: 'QUIT\r\n' }, { s: '221 bye\r\n' }]);
  assert.equal(offered.sessions[0]!.starttls, 'offered');
  assert.equal(offered.sessions[0]!.tls_handshake, undefined);
});

for (const port of [465, 25]) {
  test(`implicit TLS on port ${port}: a ClientHello first is an SMTP session with implicit_tls and the handshake`, () => {
    const r = assertSplitInvariant(TLS12, { serverPort: port }, 3);
    assert.equal(r.notSmtp, 0);
    const s = r.sessions[0]!;
    assert.equal(s.implicit_tls, true);
    assert.equal(s.starttls, undefined);
    assert.equal(s.banner, undefined);
    assert.deepEqual(r.anomalies, []);
    assert.deepEqual(s.tls_handshake, direct(TLS12));
    assert.equal(s.commands, 0);
  });
}

test('implicit TLS is not recognised off the SMTP ports and 465 (HTTPS stays out)', () => {
  const r = runScript(TLS12, { serverPort: 443 });
  assert.equal(r.notSmtp, 1);
  assert.equal(r.sessions.length, 0);
});

test('a gap in the TLS bytes: the handshake stops there, outcome unknown, no SMTP gap recovery', () => {
  const r = runScript([{ s: '220 mx\r\n' }, { c: 'STARTTLS\r\n' }, { s: '220 go\r\n' }, TLS12[0]!, { gap: 's2c', len: 500 }, TLS12[2]!, { s: Buffer.alloc(10, 0x17) }]);
  const s = r.sessions[0]!;
  assert.equal(s.tls_handshake?.outcome, 'unknown');
  assert.equal(s.tls_handshake.version, undefined);
  assert.deepEqual(r.anomalies, []);
});

test('limits.tls_handshake_bytes reaches the parser: one byte under the handshake, the certificate is skipped and reported', () => {
  const body = (s: Step): number => {
    const b = ('c' in s ? s.c : 's' in s ? s.s : Buffer.alloc(0)) as Buffer;
    return b.length;
  };
  // Kept: ClientHello body + ServerHello body + Certificate body (record and message headers excluded).
  const kept = body(TLS12[0]!) - 5 - 4 + (handshakeMessage(2, serverHelloBody(0xc030)).length - 4) + (handshakeMessage(11, certificateBody(fixtureCertDer())).length - 4);
  const at = runScript(TLS12, { serverPort: 465, limits: { tls_handshake_bytes: kept } });
  assert.equal(at.sessions[0]!.tls_handshake?.certificate?.subject_cn, 'mx.mailtap.test');
  assert.deepEqual(at.anomalies, []);
  const past = runScript(TLS12, { serverPort: 465, limits: { tls_handshake_bytes: kept - 1 } });
  assert.equal(past.sessions[0]!.tls_handshake?.certificate, undefined);
  assert.deepEqual(past.anomalies.map((a) => a.name), ['smtp_tls_handshake_exceeded']);
  assert.deepEqual(past.sessions[0]!.anomalies, ['smtp_tls_handshake_exceeded']);
});
