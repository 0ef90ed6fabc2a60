// The handshake facts of real captures against tshark's TLS dissector (issue 16): 59 TCP
// handshakes of FoxIO's tls-handshake.pcapng (TLS 1.3 with and without HelloRetryRequest, TLS 1.2
// with the server certificate in clear), and the STARTTLS sessions of the SMTP corpus through
// `mailtap read` (Zeek's and Arkime's Gmail MX in TLS 1.2 and 1.0, Suricata's Postfix in 1.3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TlsHandshake } from '../../../src/tls/handshake.js';
import type { TlsHandshakeFacts } from '../../../src/tls/types.js';
import { fixture } from '../../helpers/paths.js';
import { assertSameAsTshark, tsharkTls } from '../../helpers/tshark-tls.js';
import { assertValidEvent } from '../../helpers/events-schema.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';
import { captureStreams } from '../../helpers/tls-streams.js';

test('tls-handshake.pcapng: every field as tshark shows it, certificates of the TLS 1.2 ones', async () => {
  const file = fixture('tls', 'ja4', 'pcap', 'tls-handshake.pcapng');
  const ref = tsharkTls(file);
  const streams = (await captureStreams(file)).filter((s) => ref.has(s.srcPort));
  assert.equal(streams.length, 59);
  let certs = 0;
  let tls12 = 0;
  for (const s of streams) {
    const anomalies: string[] = [];
    const hs = new TlsHandshake(65536, (name, detail) => anomalies.push(`${name}: ${detail}`));
    hs.feed('c2s', s.c2s);
    hs.feed('s2c', s.s2c);
    const f = hs.facts();
    assertSameAsTshark(f, ref.get(s.srcPort)!, `port ${s.srcPort}`);
    assert.deepEqual(anomalies, []);
    if (f?.certificate !== undefined) certs++;
    if (f?.version === 'TLSv1.2') tls12++;
  }
  assert.equal(tls12, 6, 'six TLS 1.2 handshakes');
  assert.equal(certs, 6, 'each with its certificate in clear');
});

/** The corpus captures with a STARTTLS handshake, and what each negotiated. */
const STARTTLS_CAPTURES: [string, string, boolean][] = [
  ['zeek/testing/btest/Traces/tls/smtp-starttls.pcap', 'TLSv1.2', true],
  ['suricata-verify/tests/smtp-startssl/input.pcap', 'TLSv1.3', false],
  ['arkime/tests/pcap/smtp-starttls.pcap', 'TLSv1.0', true],
];

for (const [capture, version, cert] of STARTTLS_CAPTURES) {
  test(`mailtap read ${capture}: tls_handshake as tshark dissects it`, async () => {
    const file = fixture('corpus', capture);
    const res = await runCli(['read', file]);
    assert.equal(res.code, 0, res.stderr);
    const sessions = ndjson(res.stdout).filter((e) => e['event'] === 'smtp_session');
    assert.equal(sessions.length, 1);
    const s = sessions[0]!;
    assertValidEvent(s, capture);
    const f = s['tls_handshake'] as TlsHandshakeFacts;
    const ref = tsharkTls(file).get(s['src_port'] as number);
    assert.ok(ref !== undefined, 'tshark saw the ClientHello');
    assertSameAsTshark(f, ref, capture);
    assert.equal(f.version, version);
    assert.equal(f.outcome, 'established');
    assert.equal(f.certificate !== undefined, cert);
  });
}
