// Parses a ServerHello body (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3): the negotiated version (the
// supported_versions extension's selected_version for TLS 1.3, else legacy_version) and cipher
// suite, and whether it is a HelloRetryRequest (RFC 8446 §4.1.3: a ServerHello whose random is
// SHA-256("HelloRetryRequest"); the real ServerHello follows in clear). Pure.
import { EXT_SUPPORTED_VERSIONS } from './client-hello.js';
import { TlsDecodeError, TlsReader } from './reader.js';

const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

export interface ServerHello {
  version: number;
  cipher: number;
  helloRetry: boolean;
}

export type ServerHelloResult = { ok: true; hello: ServerHello } | { ok: false; reason: string };

export function parseServerHello(body: Buffer): ServerHelloResult {
  try {
    const r = new TlsReader(body);
    let version = r.u16();
    const helloRetry = r.bytes(32).equals(HRR_RANDOM);
    r.vector(1); // legacy_session_id_echo
    const cipher = r.u16();
    r.u8(); // legacy_compression_method
    if (r.remaining > 0) {
      const exts = r.vector(2);
      while (exts.remaining > 0) {
        const type = exts.u16();
        const data = exts.vector(2);
        if (type === EXT_SUPPORTED_VERSIONS) version = data.u16();
      }
    }
    return { ok: true, hello: { version, cipher, helloRetry } };
  } catch (e) {
    if (e instanceof TlsDecodeError) return { ok: false, reason: `ServerHello: ${e.message}` };
    throw e;
  }
}
