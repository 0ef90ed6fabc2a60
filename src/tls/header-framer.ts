// Fixed-size header, then a body of the length the header gives: the framing shared by TLS records
// (5-byte header, RFC 8446 §5.1) and handshake messages (4-byte header, RFC 8446 §4), which must not
// depend on how TCP cut the bytes. Carries a header split across pushes (its size at most); hands
// body bytes on as borrowed views. Owns that carry and the count of body bytes still due.

export interface FrameHandler {
  /** A whole header (borrowed): the body's length, or why the bytes are not this framing. */
  header(head: Buffer): number | string;
  /** Part of the current body: a borrowed view, valid during the call only. */
  body(bytes: Buffer): void;
  /** The current body is complete (also right after a header of length 0). */
  end(): void;
}

export class HeaderFramer {
  private readonly head: Buffer;
  private headLen = 0;
  /** Body bytes still to come; -1 between frames. */
  private remaining = -1;

  constructor(size: number, private readonly handler: FrameHandler) {
    this.head = Buffer.alloc(size);
  }

  /** Feeds bytes; returns the handler's reason when a header was refused (nothing after it is read). */
  push(bytes: Buffer): string | null {
    let off = 0;
    while (off < bytes.length) {
      if (this.remaining < 0) {
        const n = Math.min(this.head.length - this.headLen, bytes.length - off);
        bytes.copy(this.head, this.headLen, off, off + n);
        this.headLen += n;
        off += n;
        if (this.headLen < this.head.length) return null;
        this.headLen = 0;
        const length = this.handler.header(this.head);
        if (typeof length === 'string') return length;
        this.remaining = length;
        if (length === 0) this.finish();
        continue;
      }
      const n = Math.min(this.remaining, bytes.length - off);
      this.handler.body(bytes.subarray(off, off + n));
      this.remaining -= n;
      off += n;
      if (this.remaining === 0) this.finish();
    }
    return null;
  }

  private finish(): void {
    this.remaining = -1;
    this.handler.end();
  }
}
