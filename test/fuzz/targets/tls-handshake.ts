// Fuzz target: the TLS handshake parser (src/tls, issue 16) with a small limits.tls_handshake_bytes
// (1 KiB, so the cap is reached). Input: byte 0 sets a chunk size (bits 0-5), bytes 1-2 the length
// of the client's bytes, then the client's bytes and the server's. Oracles: no throw; the same
// facts and anomalies whole and in chunks that are scribbled over after each feed (BORROWED
// bytes); kept handshake bytes <= the limit; only registered anomaly names.
import { TlsHandshake } from '../../../src/tls/handshake.js';
import { isAnomalyCode } from '../../../src/shared/anomalies.js';
import { CT, certificateBody, clientHelloBody, fixtureCertDer, handshakeMessage, record, serverHelloBody } from '../../helpers/tls-records.js';
import { oracle } from '../engine/target.js';
import type { FuzzTarget } from '../engine/target.js';

const MAX_KEPT = 1024;

function feedChunks(hs: TlsHandshake, dir: 'c2s' | 's2c', bytes: Buffer, chunk: number): void {
  const scratch = Buffer.allocUnsafe(chunk);
  for (let i = 0; i < bytes.length; i += chunk) {
    const n = bytes.copy(scratch, 0, i, Math.min(bytes.length, i + chunk));
    hs.feed(dir, scratch.subarray(0, n));
    scratch.fill(0x41);
  }
}

function parse(c2s: Buffer, s2c: Buffer, chunk: number): { facts: string; anomalies: string[]; kept: number } {
  const anomalies: string[] = [];
  const hs = new TlsHandshake(MAX_KEPT, (name, detail) => anomalies.push(`${name} ${detail}`));
  feedChunks(hs, 'c2s', c2s, chunk);
  feedChunks(hs, 's2c', s2c, chunk);
  return { facts: JSON.stringify(hs.facts()), anomalies, kept: (hs as unknown as { kept: number }).kept };
}

function input(chunkByte: number, c2s: Buffer, s2c: Buffer): Buffer {
  return Buffer.concat([Buffer.from([chunkByte, c2s.length >> 8, c2s.length & 0xff]), c2s, s2c]);
}

export const target: FuzzTarget = {
  name: 'tls-handshake',
  coverage: ['/src/tls/'],
  maxLen: 4096,
  dictionary: ['\x16\x03\x01', '\x16\x03\x03', '\x14\x03\x03\x00\x01\x01', '\x15\x03\x03\x00\x02\x02', '\x17\x03\x03', '\x00\x2b', '\x03\x04', '\x00\x10', '\x00\x00', '\x0a\x0a', '\x01\x00\x00', '\x02\x00\x00', '\x0b\x00', '\x30\x82'],
  seeds() {
    const ch = record(CT.handshake, handshakeMessage(1, clientHelloBody()), 0x0301);
    const enc = Buffer.alloc(24, 0xee);
    const clientDone = Buffer.concat([record(CT.ccs, [1]), record(CT.handshake, enc), record(CT.appData, enc)]);
    const tls12 = record(CT.handshake, Buffer.concat([handshakeMessage(2, serverHelloBody(0xc02f)), handshakeMessage(11, certificateBody(fixtureCertDer())), handshakeMessage(14, [])]));
    const tls13 = record(CT.handshake, handshakeMessage(2, serverHelloBody(0x1301, 0x0304)));
    return [
      input(0, Buffer.concat([ch, clientDone]), Buffer.concat([tls12, record(CT.ccs, [1]), record(CT.handshake, enc), record(CT.appData, enc)])),
      input(7, Buffer.concat([ch, clientDone]), Buffer.concat([tls13, record(CT.ccs, [1]), record(CT.appData, enc)])),
      input(3, ch, record(CT.alert, [2, 40])),
      input(1, ch, record(CT.handshake, handshakeMessage(2, serverHelloBody(0x1301, 0x0304, true)))),
    ];
  },
  run(inp) {
    if (inp.length < 3) return;
    const chunk = 1 + (inp[0]! & 0x3f);
    const split = Math.min(inp.readUInt16BE(1), inp.length - 3);
    const c2s = inp.subarray(3, 3 + split);
    const s2c = inp.subarray(3 + split);
    const whole = parse(c2s, s2c, Math.max(1, inp.length));
    const chunked = parse(c2s, s2c, chunk);
    oracle(whole.kept <= MAX_KEPT && chunked.kept <= MAX_KEPT, `kept ${whole.kept}/${chunked.kept} > ${MAX_KEPT}`);
    for (const a of whole.anomalies) oracle(isAnomalyCode(a.split(' ')[0]!), `unknown anomaly ${a}`);
    oracle(whole.facts === chunked.facts, `chunks of ${chunk} changed the facts`);
    oracle(JSON.stringify(whole.anomalies) === JSON.stringify(chunked.anomalies), `chunks of ${chunk} changed the anomalies`);
  },
};
