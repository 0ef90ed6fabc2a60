// TLS in an SMTP session: STARTTLS (RFC 3207) and SMTPS (RFC 8314 §3.3). Starting TLS sets the
// session's TLS state, makes the handshake parser (src/tls) and leaves each direction's next byte
// to decide whether it is TLS or a decrypted feed's plaintext (direction-reader.ts).
import type { SessionParts } from './session-parts.js';
import { TlsHandshake } from '../tls/handshake.js';

/** STARTTLS's 220 (or a ClientHello right after STARTTLS with the reply unseen). */
export function startTls(p: SessionParts): void {
  p.ctx.starttls = 'succeeded';
  enterTls(p);
}

/** SMTPS: TLS from the first byte; the SMTP inside, its greeting included, is never readable. */
export function startImplicitTls(p: SessionParts): void {
  p.ctx.tls = 'implicit';
  p.matcher.greetingExpected = false;
  enterTls(p);
}

function enterTls(p: SessionParts): void {
  const ctx = p.ctx;
  // One closure, made only when a session starts TLS.
  ctx.tlsHandshake ??= new TlsHandshake(ctx.opts.limits.tls_handshake_bytes, (name, detail) => ctx.anomaly(name, detail));
  if (ctx.tls === 'none') ctx.tls = 'starttls';
  p.client.startTls();
  p.server.startTls();
  ctx.event('tls_start');
}
