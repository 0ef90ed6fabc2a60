// The TLS handshake tracker (issue 16) on hand-built records: facts, outcomes, limits, malformed
// input. Real captures are compared with tshark in handshake-tshark.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { TlsHandshake } from '../../../src/tls/handshake.js';
import type { Direction } from '../../../src/flow/types.js';
import type { TlsHandshakeFacts } from '../../../src/tls/types.js';
import { fixture } from '../../helpers/paths.js';
import { CT, certificateBody, clientHelloBody, fixtureCertDer, handshakeMessage, record, serverHelloBody } from '../../helpers/tls-records.js';

type Flight = [Direction, Buffer];

function run(flights: Flight[], max = 65536, chunk = 0): { facts: TlsHandshakeFacts | null; anomalies: string[] } {
  const anomalies: string[] = [];
  const hs = new TlsHandshake(max, (name, detail) => anomalies.push(`${name}: ${detail}`));
  for (const [dir, bytes] of flights) {
    if (chunk <= 0) hs.feed(dir, bytes);
    else for (let i = 0; i < bytes.length; i += chunk) hs.feed(dir, bytes.subarray(i, i + chunk));
  }
  return { facts: hs.facts(), anomalies };
}

const CH = handshakeMessage(1, clientHelloBody());
const CLIENT_HELLO: Flight = ['c2s', record(CT.handshake, CH, 0x0301)];
const CERT_DER = fixtureCertDer();
const SH12 = handshakeMessage(2, serverHelloBody(0xc02f));
const CERT = handshakeMessage(11, certificateBody(CERT_DER, Buffer.from('not the leaf')));
const DONE = handshakeMessage(14, []);
const ENCRYPTED = Buffer.alloc(40, 0xee);

/** A TLS 1.2 full handshake (RFC 5246 §7.3), the server's flight in one record. */
const TLS12: Flight[] = [
  CLIENT_HELLO,
  ['s2c', record(CT.handshake, Buffer.concat([SH12, CERT, DONE]))],
  ['c2s', Buffer.concat([record(CT.handshake, handshakeMessage(16, Buffer.alloc(33, 4))), record(CT.ccs, [1]), record(CT.handshake, ENCRYPTED)])],
  ['s2c', Buffer.concat([record(CT.ccs, [1]), record(CT.handshake, ENCRYPTED)])],
];

const sha256_12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

test('ClientHello: SNI, offered versions, ciphers, ALPN, JA4 and JA3 of a hand-written hello (GREASE ignored)', () => {
  const { facts, anomalies } = run([CLIENT_HELLO]);
  assert.deepEqual(anomalies, []);
  // JA4 by hand: t, 13 (supported_versions), d (SNI), 03 ciphers, 06 extensions, "sp" (smtp).
  const ja4 = `t13d0306sp_${sha256_12('1301,1302,c02f')}_${sha256_12('000a,000b,000d,002b_0403,0804')}`;
  const ja3 = createHash('md5').update('771,4865-4866-49199,0-10-11-13-16-43,29-23,0').digest('hex');
  assert.deepEqual(facts, {
    client: { sni: 'mx.mailtap.test', versions: ['TLSv1.3', 'TLSv1.2'], ciphers_offered: 3, alpn: ['smtp'], ja4, ja3 },
    outcome: 'unknown',
  });
});

test('TLS 1.2: ServerHello, the leaf certificate (as openssl x509 sees it), established after both CCS+Finished', () => {
  const { facts, anomalies } = run(TLS12);
  assert.deepEqual(anomalies, []);
  const pem = fixture('tls', 'mx-cert.pem');
  const fp = execFileSync('openssl', ['x509', '-in', pem, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
  const dates = execFileSync('openssl', ['x509', '-in', pem, '-noout', '-startdate', '-enddate'], { encoding: 'utf8' });
  const date = (k: string): string => new Date(new RegExp(`${k}=(.*)`).exec(dates)![1]!).toISOString();
  assert.equal(facts?.version, 'TLSv1.2');
  assert.equal(facts.cipher, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  assert.deepEqual(facts.certificate, {
    subject_cn: 'mx.mailtap.test',
    issuer_cn: 'mx.mailtap.test',
    sans: ['mx.mailtap.test', 'smtp.mailtap.test', '192.0.2.25'],
    not_before: date('notBefore'),
    not_after: date('notAfter'),
    sha256: /=([0-9A-F:]+)/.exec(fp)![1]!.replace(/:/g, '').toLowerCase(),
    self_signed: true,
  });
  assert.equal(facts.outcome, 'established');
  assert.equal(facts.alert, undefined);
});

test('the same facts whatever the chunking (1, 2, 3, 7 bytes)', () => {
  const whole = run(TLS12);
  for (const chunk of [1, 2, 3, 7]) assert.deepEqual(run(TLS12, 65536, chunk), whole, `chunk ${chunk}`);
  // A handshake message spread over several records (RFC 5246 §6.2.1 allows any fragmentation).
  const flight = Buffer.concat([SH12, CERT, DONE]);
  const records = [];
  for (let i = 0; i < flight.length; i += 100) records.push(record(CT.handshake, flight.subarray(i, i + 100)));
  const fragmented: Flight[] = [TLS12[0]!, ['s2c', Buffer.concat(records)], TLS12[2]!, TLS12[3]!];
  assert.deepEqual(run(fragmented), whole);
});

test('outcome: only one side finished is unknown; a clear alert is failed with its name; an encrypted one is `encrypted`', () => {
  assert.equal(run(TLS12.slice(0, 3)).facts?.outcome, 'unknown');
  const refused = run([CLIENT_HELLO, ['s2c', record(CT.alert, [2, 40])]]);
  assert.equal(refused.facts?.outcome, 'failed');
  assert.equal(refused.facts.alert, 'handshake_failure');
  const badCert = run([...TLS12.slice(0, 2), ['c2s', record(CT.alert, [2, 48])]]);
  assert.deepEqual([badCert.facts?.outcome, badCert.facts?.alert], ['failed', 'unknown_ca']);
  const unknownCode = run([CLIENT_HELLO, ['s2c', record(CT.alert, [2, 250])]]);
  assert.equal(unknownCode.facts?.alert, 'alert_250');
  const enc = run([...TLS12.slice(0, 3), ['s2c', record(CT.alert, Buffer.alloc(26))]]);
  assert.deepEqual([enc.facts?.outcome, enc.facts?.alert], ['failed', 'encrypted']);
  // After the handshake, a close_notify does not make it failed.
  const closed = run([...TLS12, ['c2s', record(CT.alert, Buffer.alloc(26))], ['s2c', record(CT.alert, [1, 0])]]);
  assert.deepEqual([closed.facts?.outcome, closed.facts?.alert], ['established', undefined]);
});

test('TLS 1.3: version from supported_versions, no certificate, established when the server answers the client', () => {
  const sh = record(CT.handshake, handshakeMessage(2, serverHelloBody(0x1302, 0x0304)));
  const serverFlight: Flight = ['s2c', Buffer.concat([sh, record(CT.ccs, [1]), record(CT.appData, ENCRYPTED), record(CT.appData, ENCRYPTED)])];
  const clientFinished: Flight = ['c2s', Buffer.concat([record(CT.ccs, [1]), record(CT.appData, ENCRYPTED)])];
  const half = run([CLIENT_HELLO, serverFlight, clientFinished]);
  assert.deepEqual(half.anomalies, []);
  assert.deepEqual([half.facts?.version, half.facts?.cipher, half.facts?.certificate, half.facts?.outcome], ['TLSv1.3', 'TLS_AES_256_GCM_SHA384', undefined, 'unknown']);
  const full = run([CLIENT_HELLO, serverFlight, clientFinished, ['s2c', record(CT.appData, ENCRYPTED)]]);
  assert.equal(full.facts?.outcome, 'established');
});

test('HelloRetryRequest: the real ServerHello after it wins, the first ClientHello is the fingerprint', () => {
  const hrr = record(CT.handshake, handshakeMessage(2, serverHelloBody(0x1301, 0x0304, true)));
  const second = record(CT.handshake, handshakeMessage(1, Buffer.concat([Buffer.from([0x03, 0x03]), Buffer.alloc(40)])));
  const sh = record(CT.handshake, handshakeMessage(2, serverHelloBody(0x1303, 0x0304)));
  const first = run([CLIENT_HELLO]).facts?.client;
  const { facts, anomalies } = run([CLIENT_HELLO, ['s2c', hrr], ['c2s', Buffer.concat([record(CT.ccs, [1]), second])], ['s2c', sh]]);
  assert.deepEqual(anomalies, []);
  assert.deepEqual(facts?.client, first);
  assert.deepEqual([facts?.version, facts?.cipher], ['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256']);
});

test('limits.tls_handshake_bytes: at the limit the certificate is parsed, one byte less and it is skipped', () => {
  // Kept: the ClientHello, ServerHello and Certificate bodies (handshake headers excluded).
  const kept = CH.length - 4 + SH12.length - 4 + CERT.length - 4;
  const at = run(TLS12, kept);
  assert.deepEqual(at.anomalies, []);
  assert.equal(at.facts?.certificate?.subject_cn, 'mx.mailtap.test');
  const past = run(TLS12, kept - 1);
  assert.deepEqual(past.anomalies, [`smtp_tls_handshake_exceeded: handshake message type 11 of ${CERT.length - 4} bytes over limits.tls_handshake_bytes`]);
  assert.equal(past.facts?.certificate, undefined);
  assert.equal(past.facts?.version, 'TLSv1.2', 'the rest still parsed');
  assert.equal(past.facts?.outcome, 'established');
});

test('malformed input: a bad record header abandons that direction only; bad messages are anomalies', () => {
  const bad = run([['c2s', Buffer.from('EHLO x\r\n')], TLS12[1]!]);
  assert.deepEqual(bad.anomalies, ['smtp_tls_malformed: c2s: record type 69']);
  assert.equal(bad.facts?.version, 'TLSv1.2');
  assert.equal(run([['s2c', record(CT.handshake, [], 0x0203)]]).anomalies[0], 'smtp_tls_malformed: s2c: record version 2.3');
  assert.equal(run([['s2c', Buffer.from([0x17, 0x03, 0x03, 0xff, 0xff])]]).anomalies[0], 'smtp_tls_malformed: s2c: record length 65535');
  // A ClientHello whose cipher list runs past its end.
  const short = run([['c2s', record(CT.handshake, handshakeMessage(1, [0x03, 0x03, ...Buffer.alloc(32), 0x00, 0x00, 0x40]))]]);
  assert.match(short.anomalies[0]!, /^smtp_tls_malformed: ClientHello: need 64 bytes/);
  assert.deepEqual(short.facts, { outcome: 'unknown' });
  const junkCert = run([CLIENT_HELLO, ['s2c', record(CT.handshake, Buffer.concat([SH12, handshakeMessage(11, certificateBody(Buffer.from('junk')))]))]]);
  assert.match(junkCert.anomalies[0]!, /^smtp_tls_malformed: Certificate: /);
  assert.equal(junkCert.facts?.certificate, undefined);
});

test('a gap ends the parsing of its direction; nothing seen means no handshake to report', () => {
  const hs = new TlsHandshake(65536, () => assert.fail('no anomaly'));
  assert.equal(hs.facts(), null);
  hs.feed('c2s', CLIENT_HELLO[1].subarray(0, 20));
  hs.gap('c2s');
  hs.feed('c2s', CLIENT_HELLO[1].subarray(20));
  hs.feed('s2c', TLS12[1]![1]);
  const f = hs.facts();
  assert.equal(f?.client, undefined);
  assert.equal(f?.version, 'TLSv1.2');
  assert.equal(f?.outcome, 'unknown');
});

test('a leaf OpenSSL refuses: the same anomaly detail every time (OpenSSL error-queue text is not used)', () => {
  // Found by the property test: "PEM routines::no start line" one run, "asn1 … too long" the next.
  const der = Buffer.from(fixtureCertDer());
  der[4] = 0x00;
  const details = new Set<string>();
  for (let i = 0; i < 5; i++) {
    const r = run([CLIENT_HELLO, ['s2c', record(CT.handshake, Buffer.concat([SH12, handshakeMessage(11, certificateBody(der))]))]]);
    details.add(r.anomalies.join('|'));
    if (i === 2) run([CLIENT_HELLO, ['s2c', record(CT.handshake, Buffer.concat([SH12, handshakeMessage(11, certificateBody(Buffer.from('junk')))]))]]);
  }
  assert.deepEqual([...details], [`smtp_tls_malformed: Certificate: a ${der.length}-byte leaf that is not an X.509 DER certificate`]);
});
