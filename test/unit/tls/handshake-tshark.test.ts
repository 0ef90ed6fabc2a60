// The handshake facts of real captures against tshark's TLS dissector (issue 16): 59 TCP
// handshakes of FoxIO's tls-handshake.pcapng (TLS 1.3 with and without HelloRetryRequest, TLS 1.2
// with the server certificate in clear).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TlsHandshake } from '../../../src/tls/handshake.js';
import { fixture } from '../../helpers/paths.js';
import { assertSameAsTshark, tsharkTls } from '../../helpers/tshark-tls.js';
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
