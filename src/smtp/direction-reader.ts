// One direction of an SMTP connection as the session reads it: line framing (line-reader.ts), the
// HTTP CONNECT preamble still to skip (recognize.ts found it), and after TLS started, the verdict
// on this direction's first byte: TLS records (to the handshake parser) or, on decrypted feeds,
// plaintext SMTP. The client and server sides are two instances of this one reader.
import { LineReader } from './line-reader.js';
import type { SessionContext } from './session-context.js';
import type { Direction } from '../flow/types.js';

/** What this direction's bytes are. */
export type Wire =
  /** SMTP lines (before TLS, or a decrypted feed after it). */
  | 'clear'
  /** TLS started: the next byte decides whether this direction is TLS or plaintext. */
  | 'tls_unknown'
  /** TLS records: only the handshake parser (src/tls) reads them. */
  | 'tls';

/** A TLS record's first byte (RFC 8446 §5.1 content types 20..23). */
function isTlsRecordStart(b: number): boolean {
  return b >= 0x14 && b <= 0x17;
}

export class DirectionReader {
  readonly dir: Direction;
  readonly lines: LineReader;
  wire: Wire = 'clear';
  /** An HTTP CONNECT preamble (client: request and headers; server: the proxy's answer) still to skip. */
  preamble = false;
  /** The client spoke TLS without STARTTLS: its bytes are counted, not parsed (client side only). */
  opaque = false;

  constructor(dir: Direction, maxLine: number) {
    this.dir = dir;
    this.lines = new LineReader(maxLine);
  }

  /** The bytes are not SMTP lines (TLS, or not decided yet). */
  get inTls(): boolean {
    return this.wire !== 'clear';
  }

  /** TLS starts: each direction's next byte decides. */
  startTls(): void {
    this.wire = 'tls_unknown';
  }

  /** A preamble line, skipped up to its blank line (true: the line was the preamble's). */
  skipPreamble(line: Buffer): boolean {
    return this.skipPreambleLine(line.length);
  }

  /** skipPreamble for a line of `len` bytes (no view of it needed). */
  private skipPreambleLine(len: number): boolean {
    if (!this.preamble) return false;
    if (len === 0) this.preamble = false;
    return true;
  }

  /**
   * A framed line of this direction (`len` bytes): false when it belongs to the HTTP CONNECT preamble (skipped,
   * recognize.ts); an over-long line (only its first limits.line_length bytes kept) is reported.
   */
  admit(ctx: SessionContext, len: number, truncated: boolean): boolean {
    if (this.skipPreambleLine(len)) return false;
    if (truncated) ctx.anomaly('smtp_line_too_long', `${this.dir === 'c2s' ? 'client' : 'server'} line over ${ctx.opts.limits.line_length} bytes`);
    return true;
  }

  /**
   * After TLS started, chunk[off..] is TLS unless this direction turned out plaintext: true when
   * the rest of the chunk went to the handshake parser (nothing else reads it).
   */
  takeTls(ctx: SessionContext, chunk: Buffer, off: number): boolean {
    if (this.tlsVerdict(ctx, chunk[off]!)) return false;
    this.tlsBytes(ctx, chunk, off);
    return true;
  }

  /** First byte of this direction after TLS started: false when it is TLS (the rest goes to the handshake parser). */
  tlsVerdict(ctx: SessionContext, b: number): boolean {
    if (this.wire === 'tls') return false;
    const c2s = this.dir === 'c2s';
    // Decrypted feeds (inspection appliances) continue in plaintext: EHLO from the client, digits from the server.
    const plain = c2s ? (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) : b >= 0x30 && b <= 0x39;
    this.wire = plain ? 'clear' : 'tls';
    if (plain) {
      ctx.anomaly('smtp_plaintext_after_starttls', this.dir);
      if (c2s) ctx.event('tls_plain_client');
    } else if (!isTlsRecordStart(b)) {
      ctx.anomaly('smtp_command_in_tls', this.dir);
      // Neither SMTP nor TLS: the handshake parser leaves this direction alone (one anomaly, not two).
      ctx.tlsHandshake?.gap(this.dir);
    }
    return plain;
  }

  /** The TLS bytes from `off` on: to the handshake parser (src/tls), nothing else reads them. */
  private tlsBytes(ctx: SessionContext, chunk: Buffer, off: number): void {
    ctx.tlsHandshake?.feed(this.dir, off === 0 ? chunk : chunk.subarray(off));
  }
}
