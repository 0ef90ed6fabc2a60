// Properties of the TLS handshake parser (issue 16): whatever bytes arrive after STARTTLS (real
// handshake records with some bytes scribbled over, record headers with hostile lengths, random
// garbage), it never throws, its facts do not depend on how the stream was cut into chunks, and
// it never keeps more handshake bytes than limits.tls_handshake_bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TlsHandshake } from '../../src/tls/handshake.js';
import { CT, certificateBody, clientHelloBody, fixtureCertDer, handshakeMessage, record, serverHelloBody } from '../helpers/tls-records.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

const CLIENT = Buffer.concat([
  record(CT.handshake, handshakeMessage(1, clientHelloBody()), 0x0301),
  record(CT.ccs, [1]),
  record(CT.handshake, Buffer.alloc(40, 0xee)),
  record(CT.appData, Buffer.alloc(20, 0xee)),
]);
const SERVER = Buffer.concat([
  record(CT.handshake, Buffer.concat([handshakeMessage(2, serverHelloBody(0xc02f)), handshakeMessage(11, certificateBody(fixtureCertDer())), handshakeMessage(14, [])])),
  record(CT.ccs, [1]),
  record(CT.handshake, Buffer.alloc(40, 0xee)),
  record(CT.appData, Buffer.alloc(20, 0xee)),
]);

/** A stream derived from a real one: some bytes overwritten (lengths, types, DER), maybe cut short. */
const mutated = (base: Buffer): fc.Arbitrary<Buffer> =>
  fc.record({ edits: fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), cut: fc.nat(base.length) }).map(({ edits, cut }) => {
    const b = Buffer.from(base);
    for (const [at, v] of edits) b[at] = v;
    return b.subarray(0, Math.max(cut, base.length - cut));
  });

const stream = (base: Buffer): fc.Arbitrary<Buffer> => fc.oneof(mutated(base), fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)));

function run(c2s: Buffer, s2c: Buffer, chunk: number, max: number): { facts: unknown; anomalies: string[]; kept: number } {
  const anomalies: string[] = [];
  const hs = new TlsHandshake(max, (n, d) => anomalies.push(`${n} ${d}`));
  // Each direction in chunks, the client's first: how the two directions interleave is part of
  // the input (the outcome rules and TLS 1.3's clear records depend on it), how each is cut is not.
  for (let i = 0; i < c2s.length; i += chunk) hs.feed('c2s', c2s.subarray(i, i + chunk));
  for (let i = 0; i < s2c.length; i += chunk) hs.feed('s2c', s2c.subarray(i, i + chunk));
  return { facts: hs.facts(), anomalies, kept: (hs as unknown as { kept: number }).kept };
}

test('never throws, same facts in any chunking, kept bytes within the limit', () => {
  fc.assert(
    fc.property(stream(CLIENT), stream(SERVER), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 64, max: 4096 }), (c2s, s2c, chunk, max) => {
      const whole = run(c2s, s2c, 1 << 20, max);
      const cut = run(c2s, s2c, chunk, max);
      assert.ok(whole.kept <= max && cut.kept <= max, `kept ${whole.kept}/${cut.kept} > ${max}`);
      assert.deepEqual(cut.facts, whole.facts);
      assert.deepEqual(cut.anomalies, whole.anomalies);
    }),
    { numRuns: RUNS },
  );
});
