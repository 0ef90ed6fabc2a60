// Handshake-message framing of one direction (RFC 8446 §4, RFC 5246 §7.4): type (1 byte) and
// length (3 bytes), then the body, possibly spread over several records and TCP segments, and
// several messages per record. Push-based over the content of clear handshake records. A body
// is copied only when the sink asks for it (after charging it to the session's budget);
// others are skipped as they pass. Owns the 4-byte header carry and at most one kept body.

const HEADER = 4;

export interface MessageSink {
  /** A message begins; true to keep its body (`length` bytes) and receive it whole. */
  messageStart(type: number, length: number): boolean;
  message(type: number, body: Buffer): void;
}

export class TlsMessageStream {
  private readonly header = Buffer.alloc(HEADER);
  private headerLen = 0;
  private type = 0;
  /** Body bytes still to come; -1 between messages. */
  private remaining = -1;
  private body: Buffer | null = null;
  private bodyLen = 0;

  constructor(private readonly sink: MessageSink) {}

  push(bytes: Buffer): void {
    let off = 0;
    while (off < bytes.length) {
      if (this.remaining < 0) {
        const n = Math.min(HEADER - this.headerLen, bytes.length - off);
        bytes.copy(this.header, this.headerLen, off, off + n);
        this.headerLen += n;
        off += n;
        if (this.headerLen < HEADER) return;
        this.headerLen = 0;
        this.type = this.header[0]!;
        this.remaining = this.header.readUIntBE(1, 3);
        this.body = this.sink.messageStart(this.type, this.remaining) ? Buffer.allocUnsafe(this.remaining) : null;
        this.bodyLen = 0;
        if (this.remaining === 0) this.end();
        continue;
      }
      const n = Math.min(this.remaining, bytes.length - off);
      if (this.body !== null) bytes.copy(this.body, this.bodyLen, off, off + n);
      this.bodyLen += n;
      this.remaining -= n;
      off += n;
      if (this.remaining === 0) this.end();
    }
  }

  private end(): void {
    const body = this.body;
    this.remaining = -1;
    this.body = null;
    if (body !== null) this.sink.message(this.type, body);
  }
}
