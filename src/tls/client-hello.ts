// Parses a ClientHello body (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) into the lists JA3 and JA4 are
// computed from and the facts mailtap reports (SNI RFC 6066 §3, ALPN RFC 7301 §3.1,
// supported_versions RFC 8446 §4.2.1). Pure; values in wire order, GREASE kept (the fingerprint
// code removes it). Consumes a borrowed body; the result owns copies of the strings only.
import { TlsDecodeError, TlsReader } from './reader.js';

export const EXT_SERVER_NAME = 0x0000;
export const EXT_SUPPORTED_GROUPS = 0x000a;
export const EXT_EC_POINT_FORMATS = 0x000b;
export const EXT_SIGNATURE_ALGORITHMS = 0x000d;
export const EXT_ALPN = 0x0010;
export const EXT_SUPPORTED_VERSIONS = 0x002b;

export interface ClientHello {
  legacyVersion: number;
  ciphers: number[];
  /** Extension types in wire order. */
  extensions: number[];
  sni?: string;
  /** ALPN protocol names as raw bytes (JA4 looks at the first one's bytes). */
  alpn: Buffer[];
  /** The supported_versions extension's list, or null when the extension is absent. */
  supportedVersions: number[] | null;
  signatureAlgorithms: number[];
  groups: number[];
  pointFormats: number[];
}

export type ClientHelloResult = { ok: true; hello: ClientHello } | { ok: false; reason: string };

export function parseClientHello(body: Buffer): ClientHelloResult {
  try {
    return { ok: true, hello: readClientHello(new TlsReader(body)) };
  } catch (e) {
    if (e instanceof TlsDecodeError) return { ok: false, reason: `ClientHello: ${e.message}` };
    throw e;
  }
}

function readClientHello(r: TlsReader): ClientHello {
  const hello: ClientHello = {
    legacyVersion: r.u16(),
    ciphers: [],
    extensions: [],
    alpn: [],
    supportedVersions: null,
    signatureAlgorithms: [],
    groups: [],
    pointFormats: [],
  };
  r.skip(32); // random
  r.vector(1); // legacy_session_id
  hello.ciphers = r.vector(2).u16List();
  r.vector(1); // legacy_compression_methods
  // RFC 5246 §7.4.1.2: a ClientHello may end without an extensions block (SSLv3-era clients).
  if (r.remaining === 0) return hello;
  const exts = r.vector(2);
  while (exts.remaining > 0) {
    const type = exts.u16();
    const data = exts.vector(2);
    hello.extensions.push(type);
    readExtension(hello, type, data);
  }
  return hello;
}

function readExtension(hello: ClientHello, type: number, data: TlsReader): void {
  switch (type) {
    case EXT_SERVER_NAME: {
      const list = data.vector(2);
      while (list.remaining > 0) {
        const nameType = list.u8();
        const name = list.vector(2);
        // host_name (0) is the only defined type; the first one is the SNI.
        if (nameType === 0 && hello.sni === undefined) hello.sni = name.bytes(name.remaining).toString('latin1');
      }
      break;
    }
    case EXT_ALPN: {
      const list = data.vector(2);
      while (list.remaining > 0) {
        const p = list.vector(1);
        hello.alpn.push(Buffer.from(p.bytes(p.remaining)));
      }
      break;
    }
    case EXT_SUPPORTED_VERSIONS:
      hello.supportedVersions = data.vector(1).u16List();
      break;
    case EXT_SIGNATURE_ALGORITHMS:
      hello.signatureAlgorithms = data.vector(2).u16List();
      break;
    case EXT_SUPPORTED_GROUPS:
      hello.groups = data.vector(2).u16List();
      break;
    case EXT_EC_POINT_FORMATS:
      hello.pointFormats = data.vector(1).u8List();
      break;
    default:
      break;
  }
}
