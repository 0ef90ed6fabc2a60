// TLS client fingerprints of a ClientHello. JA4 (TLS client part, BSD-3-Clause, FoxIO: the
// published definition in its technical details) and JA3 (Salesforce, MD5 form) for existing
// threat feeds. Pure; GREASE values (RFC 8701) are ignored by both, as both definitions say.
import { createHash } from 'node:crypto';
import { EXT_ALPN, EXT_SERVER_NAME } from './client-hello.js';
import type { ClientHello } from './client-hello.js';
import { isGrease } from './names.data.js';

/** JA4's two-character version codes; an unlisted version is `00`. */
const JA4_VERSIONS: ReadonlyMap<number, string> = new Map([
  [0x0304, '13'],
  [0x0303, '12'],
  [0x0302, '11'],
  [0x0301, '10'],
  [0x0300, 's3'],
  [0x0002, 's2'],
  [0xfeff, 'd1'],
  [0xfefd, 'd2'],
  [0xfefc, 'd3'],
]);

const EMPTY_HASH = '000000000000';

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

/** JA4 counts: two decimal digits, capped at 99. */
function count2(n: number): string {
  return String(Math.min(n, 99)).padStart(2, '0');
}

function sha256_12(s: string): string {
  return createHash('sha256').update(s, 'latin1').digest('hex').slice(0, 12);
}

function isAlnum(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * The version JA4 and mailtap report as offered: the highest non-GREASE entry of
 * supported_versions when the extension is present, else the ClientHello's legacy_version.
 */
export function highestOfferedVersion(h: ClientHello): number {
  if (h.supportedVersions === null) return h.legacyVersion;
  let best = -1;
  for (const v of h.supportedVersions) if (!isGrease(v) && v > best) best = v;
  return best < 0 ? h.legacyVersion : best;
}

/** JA4 ALPN part: first and last character of the first ALPN value, or of its hex when not alphanumeric. */
function alpnChars(h: ClientHello): string {
  const first = h.alpn[0];
  if (first === undefined || first.length === 0) return '00';
  const a = first[0]!;
  const z = first[first.length - 1]!;
  if (isAlnum(a) && isAlnum(z)) return String.fromCharCode(a, z);
  const hex = first.toString('hex');
  return hex[0]! + hex[hex.length - 1]!;
}

/** JA4 for a ClientHello seen over TCP (`t` prefix). */
export function ja4(h: ClientHello): string {
  const ciphers = h.ciphers.filter((c) => !isGrease(c));
  const exts = h.extensions.filter((e) => !isGrease(e));
  const version = JA4_VERSIONS.get(highestOfferedVersion(h)) ?? '00';
  const sni = exts.includes(EXT_SERVER_NAME) ? 'd' : 'i';
  const a = `t${version}${sni}${count2(ciphers.length)}${count2(exts.length)}${alpnChars(h)}`;
  const sortedCiphers = ciphers.map(hex4).sort();
  const b = sortedCiphers.length === 0 ? EMPTY_HASH : sha256_12(sortedCiphers.join(','));
  // SNI and ALPN are counted in JA4_a but left out of the hashed list (they vary per destination).
  const sortedExts = exts.filter((e) => e !== EXT_SERVER_NAME && e !== EXT_ALPN).map(hex4).sort();
  const sigs = h.signatureAlgorithms.filter((s) => !isGrease(s)).map(hex4);
  let c = EMPTY_HASH;
  if (sortedExts.length > 0) c = sha256_12(sigs.length > 0 ? `${sortedExts.join(',')}_${sigs.join(',')}` : sortedExts.join(','));
  return `${a}_${b}_${c}`;
}

/** JA3 string: version,ciphers,extensions,groups,point formats (decimal, `-` separated). */
export function ja3String(h: ClientHello): string {
  const list = (vs: number[]): string => vs.filter((v) => !isGrease(v)).join('-');
  return [String(h.legacyVersion), list(h.ciphers), list(h.extensions), list(h.groups), h.pointFormats.join('-')].join(',');
}

export function ja3(h: ClientHello): string {
  return createHash('md5').update(ja3String(h), 'latin1').digest('hex');
}
