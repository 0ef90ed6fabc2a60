// The TLS handshake facts of each TCP connection in a capture as tshark's TLS dissector sees them
// (an independent reference for src/tls): offered and negotiated version, cipher suites, SNI,
// ALPN, the leaf certificate's SHA-256, alerts. Keyed by the client's port.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { TlsHandshakeFacts } from '../../src/tls/types.js';
import { cipherSuiteName, isGrease, versionName } from '../../src/tls/names.data.js';

export interface TsharkTls {
  sni?: string;
  offeredVersions: number[];
  legacyVersion: number;
  ciphersOffered: number;
  alpn: string[];
  version?: number;
  cipher?: number;
  leafSha256?: string;
  ja3?: string;
  /** The first alert's description code that tshark could read (a clear one), either direction. */
  alert?: number;
}

const SEP = '\t';

function fields(file: string, filter: string, names: string[], decodeAs: string[]): string[][] {
  const args = ['-n', '-r', file, ...decodeAs.flatMap((d) => ['-d', d]), '-Y', filter, '-T', 'fields', '-E', 'aggregator=|', ...names.flatMap((f) => ['-e', f])];
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(SEP));
}

const num = (s: string): number => Number.parseInt(s, s.startsWith('0x') ? 16 : 10);
const list = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split('|'));

/**
 * `decodeAs`: tshark -d rules, e.g. `tcp.port==25,smtp` is implicit; STARTTLS on port 25 and
 * implicit TLS on 465 are dissected by tshark without help.
 */
export function tsharkTls(file: string, decodeAs: string[] = []): Map<number, TsharkTls> {
  const m = new Map<number, TsharkTls>();
  const hello = fields(
    file,
    'tcp && tls.handshake.type == 1',
    ['tcp.srcport', 'tls.handshake.extensions_server_name', 'tls.handshake.ciphersuite', 'tls.handshake.extensions.supported_version', 'tls.handshake.version', 'tls.handshake.extensions_alpn_str', 'tls.handshake.ja3'],
    decodeAs,
  );
  for (const [port, sni, ciphers, versions, legacy, alpn, ja3] of hello) {
    const p = Number(port);
    if (m.has(p)) continue; // the first ClientHello (a HelloRetryRequest brings a second)
    const t: TsharkTls = {
      offeredVersions: list(versions).map(num).filter((v) => !isGrease(v)),
      legacyVersion: num(list(legacy)[0]!),
      ciphersOffered: list(ciphers).map(num).filter((c) => !isGrease(c)).length,
      alpn: list(alpn),
    };
    if (sni !== undefined && sni !== '') t.sni = sni;
    if (ja3 !== undefined && ja3 !== '') t.ja3 = list(ja3)[0]!;
    m.set(p, t);
  }
  const server = fields(file, 'tcp && tls.handshake.type == 2', ['tcp.dstport', 'tls.handshake.ciphersuite', 'tls.handshake.extensions.supported_version', 'tls.handshake.version'], decodeAs);
  for (const [port, cipher, selected, legacy] of server) {
    const t = m.get(Number(port));
    if (t === undefined) continue;
    // The last ServerHello wins (the real one after a HelloRetryRequest).
    t.cipher = num(list(cipher).at(-1)!);
    t.version = num(list(selected).at(-1) ?? list(legacy).at(-1)!);
    if (t.version === undefined || Number.isNaN(t.version)) t.version = num(list(legacy).at(-1)!);
  }
  const certs = fields(file, 'tcp && tls.handshake.type == 11 && tls.handshake.certificate', ['tcp.dstport', 'tls.handshake.certificate'], decodeAs);
  for (const [port, der] of certs) {
    const t = m.get(Number(port));
    if (t === undefined || t.leafSha256 !== undefined) continue;
    const leaf = list(der)[0]!.replace(/:/g, '');
    t.leafSha256 = createHash('sha256').update(Buffer.from(leaf, 'hex')).digest('hex');
  }
  const alerts = fields(file, 'tcp && tls.alert_message.desc', ['tcp.srcport', 'tcp.dstport', 'tls.alert_message.desc'], decodeAs);
  for (const [src, dst, desc] of alerts) {
    const t = m.get(Number(src)) ?? m.get(Number(dst));
    if (t !== undefined && t.alert === undefined) t.alert = num(list(desc)[0]!);
  }
  return m;
}

/** Every field mailtap reports that tshark also shows, compared one by one. */
export function assertSameAsTshark(f: TlsHandshakeFacts | null, t: TsharkTls, what: string): void {
  assert.ok(f !== null, `${what}: a handshake`);
  const c = f.client;
  assert.ok(c !== undefined, `${what}: ClientHello facts`);
  assert.equal(c.sni, t.sni, `${what}: sni`);
  const offered = t.offeredVersions.length > 0 ? t.offeredVersions : [t.legacyVersion];
  assert.deepEqual(c.versions, offered.map(versionName), `${what}: offered versions`);
  assert.equal(c.ciphers_offered, t.ciphersOffered, `${what}: ciphers_offered`);
  assert.deepEqual(c.alpn ?? [], t.alpn, `${what}: alpn`);
  if (t.ja3 !== undefined) assert.equal(c.ja3, t.ja3, `${what}: ja3`);
  assert.equal(f.version, t.version === undefined ? undefined : versionName(t.version), `${what}: negotiated version`);
  assert.equal(f.cipher, t.cipher === undefined ? undefined : cipherSuiteName(t.cipher), `${what}: cipher`);
  assert.equal(f.certificate?.sha256, t.leafSha256, `${what}: leaf certificate sha256`);
}
