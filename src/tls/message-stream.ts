// Handshake-message framing of one direction (RFC 8446 §4, RFC 5246 §7.4): type (1 byte) and
// length (3 bytes), then the body, possibly spread over several records and TCP segments, and
// several messages per record (header-framer.ts). Push-based over the content of clear handshake
// records. A body is copied only when the sink asks for it (after charging it to the session's
// budget); others are skipped as they pass. Owns at most one kept body.
import { HeaderFramer } from './header-framer.js';
import type { FrameHandler } from './header-framer.js';

const HEADER = 4;

export interface MessageSink {
  /** A message begins; true to keep its body (`length` bytes) and receive it whole. */
  messageStart(type: number, length: number): boolean;
  message(type: number, body: Buffer): void;
}

export class TlsMessageStream implements FrameHandler {
  private readonly framer = new HeaderFramer(HEADER, this);
  private type = 0;
  private kept: Buffer | null = null;
  private bodyLen = 0;

  constructor(private readonly sink: MessageSink) {}

  push(bytes: Buffer): void {
    this.framer.push(bytes);
  }

  header(head: Buffer): number {
    this.type = head[0]!;
    const length = head.readUIntBE(1, 3);
    this.kept = this.sink.messageStart(this.type, length) ? Buffer.allocUnsafe(length) : null;
    this.bodyLen = 0;
    return length;
  }

  body(bytes: Buffer): void {
    if (this.kept !== null) this.bodyLen += bytes.copy(this.kept, this.bodyLen);
  }

  end(): void {
    const kept = this.kept;
    this.kept = null;
    if (kept !== null) this.sink.message(this.type, kept);
  }
}
