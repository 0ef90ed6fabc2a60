// The server's leaf certificate from a TLS <= 1.2 Certificate message (RFC 5246 §7.4.2:
// certificate_list, sender's certificate first), parsed by Node's crypto.X509Certificate (no
// hand-written ASN.1). Pure apart from that call; a DER that OpenSSL refuses is `malformed`.
import { X509Certificate } from 'node:crypto';
import { TlsDecodeError, TlsReader } from './reader.js';
import type { TlsCertificateFacts } from './types.js';

export type CertificateResult = { ok: true; cert: TlsCertificateFacts } | { ok: true; cert: null } | { ok: false; reason: string };

/** The last `CN=` of an OpenSSL one-per-line distinguished name, `\,`-style escapes undone. */
export function commonName(dn: string): string | undefined {
  let cn: string | undefined;
  for (const line of dn.split('\n')) if (line.startsWith('CN=')) cn = line.slice(3).replace(/\\(.)/g, '$1');
  return cn;
}

/**
 * Node prints subjectAltName as `DNS:a, IP Address:1.2.3.4, email:x`, quoting (JSON) an entry
 * whose value holds a comma or quote. DNS names and IP addresses are reported bare (they are
 * what a client checks the server's name against); other kinds keep Node's `kind:` prefix.
 */
export function splitSans(s: string | undefined): string[] {
  if (s === undefined || s.length === 0) return [];
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const colon = s.indexOf(':', i);
    if (colon < 0) break;
    const kind = s.slice(i, colon);
    let value: string;
    let next: number;
    if (s[colon + 1] === '"') {
      // A JSON string: find its closing quote (backslash escapes skipped).
      let j = colon + 2;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(s.slice(colon + 1, j + 1)) as string;
      } catch {
        value = s.slice(colon + 2, j);
      }
      next = s.indexOf(', ', j);
    } else {
      next = s.indexOf(', ', colon);
      value = s.slice(colon + 1, next < 0 ? s.length : next);
    }
    out.push(kind === 'DNS' || kind === 'IP Address' ? value : `${kind}:${value}`);
    if (next < 0) break;
    i = next + 2;
  }
  return out;
}

function isoDate(openssl: string): string | undefined {
  const t = Date.parse(openssl);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function selfSigned(x: X509Certificate): boolean {
  try {
    // Issued by itself (names and key identifiers agree) and signed by its own key.
    return x.checkIssued(x) && x.verify(x.publicKey);
  } catch {
    return false;
  }
}

export function leafCertificateFacts(der: Buffer): TlsCertificateFacts {
  const x = new X509Certificate(der);
  // Built in SPEC §3.2 order.
  const c = {} as TlsCertificateFacts;
  const subject = commonName(x.subject);
  if (subject !== undefined) c.subject_cn = subject;
  const issuer = commonName(x.issuer);
  if (issuer !== undefined) c.issuer_cn = issuer;
  c.sans = splitSans(x.subjectAltName);
  const nb = isoDate(x.validFrom);
  if (nb !== undefined) c.not_before = nb;
  const na = isoDate(x.validTo);
  if (na !== undefined) c.not_after = na;
  c.sha256 = x.fingerprint256.replace(/:/g, '').toLowerCase();
  c.self_signed = selfSigned(x);
  return c;
}

/** The leaf of a TLS <= 1.2 Certificate message body; `cert: null` for an empty list. */
export function parseCertificateMessage(body: Buffer): CertificateResult {
  let der: Buffer;
  try {
    const list = new TlsReader(body).vector(3);
    if (list.remaining === 0) return { ok: true, cert: null };
    const first = list.vector(3);
    der = first.bytes(first.remaining);
  } catch (e) {
    if (e instanceof TlsDecodeError) return { ok: false, reason: `Certificate: ${e.message}` };
    throw e;
  }
  try {
    return { ok: true, cert: leafCertificateFacts(der) };
  } catch {
    // Not OpenSSL's message: it reads a shared error queue and differs from call to call for the
    // same bytes (property test test/property/tls-handshake.test.ts), and details must not.
    return { ok: false, reason: `Certificate: a ${der.length}-byte leaf that is not an X.509 DER certificate` };
  }
}
