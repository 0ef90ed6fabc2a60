// Builds TLS records and handshake messages byte by byte (RFC 8446 §5.1, §4; RFC 5246 §7.4) for
// tests of src/tls: real ClientHellos come from captures, the rest is written here so each
// test controls versions, lengths and order exactly.
import { readFileSync } from 'node:fs';
import { fixture } from './paths.js';

export const CT = { ccs: 20, alert: 21, handshake: 22, appData: 23 } as const;

const u16 = (v: number): number[] => [v >> 8, v & 0xff];
const u24 = (v: number): number[] => [v >> 16, (v >> 8) & 0xff, v & 0xff];

export function record(type: number, body: Buffer | number[], version = 0x0303): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([type, ...u16(version), ...u16(b.length)]), b]);
}

export function handshakeMessage(type: number, body: Buffer | number[]): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([Buffer.from([type, ...u24(b.length)]), b]);
}

const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

/** A ServerHello body; `selected` adds supported_versions (TLS 1.3); `retry` makes it a HelloRetryRequest. */
export function serverHelloBody(cipher: number, selected?: number, retry = false): Buffer {
  const exts = selected === undefined ? [] : [0x00, 0x2b, 0x00, 0x02, ...u16(selected)];
  return Buffer.concat([
    Buffer.from([0x03, 0x03]),
    retry ? HRR_RANDOM : Buffer.alloc(32, 0x11),
    Buffer.from([0x00, ...u16(cipher), 0x00]),
    exts.length > 0 ? Buffer.from([...u16(exts.length), ...exts]) : Buffer.alloc(0),
  ]);
}

export function certificateBody(...ders: Buffer[]): Buffer {
  const entries = Buffer.concat(ders.map((d) => Buffer.concat([Buffer.from(u24(d.length)), d])));
  return Buffer.concat([Buffer.from(u24(entries.length)), entries]);
}

/** The DER of test/fixtures/tls/mx-cert.pem (self-signed P-256, CN and SANs of mx.mailtap.test). */
export function fixtureCertDer(): Buffer {
  const pem = readFileSync(fixture('tls', 'mx-cert.pem'), 'utf8');
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

/**
 * A ClientHello body (RFC 8446 §4.1.2) offering TLS 1.3 and 1.2 with SNI `mx.mailtap.test`,
 * ALPN `smtp`, a GREASE cipher and extension (RFC 8701), groups and point formats.
 */
export function clientHelloBody(): Buffer {
  const ext = (type: number, data: number[]): number[] => [...u16(type), ...u16(data.length), ...data];
  const name = [...Buffer.from('mx.mailtap.test')];
  const exts = [
    ...ext(0x1a1a, []),
    ...ext(0x0000, [...u16(name.length + 3), 0x00, ...u16(name.length), ...name]),
    ...ext(0x000a, [...u16(4), 0x00, 0x1d, 0x00, 0x17]),
    ...ext(0x000b, [1, 0]),
    ...ext(0x000d, [...u16(4), 0x04, 0x03, 0x08, 0x04]),
    ...ext(0x0010, [...u16(5), 4, ...Buffer.from('smtp')]),
    ...ext(0x002b, [6, 0x2a, 0x2a, 0x03, 0x04, 0x03, 0x03]),
  ];
  const ciphers = [0x2a2a, 0x1301, 0x1302, 0xc02f];
  return Buffer.from([
    0x03, 0x03, ...Buffer.alloc(32, 0x22), 0x00,
    ...u16(ciphers.length * 2), ...ciphers.flatMap(u16),
    0x01, 0x00,
    ...u16(exts.length), ...exts,
  ]);
}
