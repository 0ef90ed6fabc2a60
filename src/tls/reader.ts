// A bounds-checked cursor over one TLS handshake message body (RFC 8446 §3 presentation
// language: big-endian integers, length-prefixed vectors). Every read past the end throws
// TlsDecodeError, which the message parsers turn into a `malformed` result: hostile lengths
// never read outside the message.

export class TlsDecodeError extends Error {}

export class TlsReader {
  constructor(
    private readonly buf: Buffer,
    private off = 0,
    private readonly end = buf.length,
  ) {}

  get remaining(): number {
    return this.end - this.off;
  }

  private need(n: number): void {
    if (n < 0 || this.off + n > this.end) throw new TlsDecodeError(`need ${n} bytes, ${this.end - this.off} left`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntBE(this.off, 3);
    this.off += 3;
    return v;
  }

  /** A view of the next `n` bytes. */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }

  skip(n: number): void {
    this.need(n);
    this.off += n;
  }

  /** A reader over a vector whose length prefix is `lenBytes` (1, 2 or 3) bytes wide. */
  vector(lenBytes: 1 | 2 | 3): TlsReader {
    const n = lenBytes === 1 ? this.u8() : lenBytes === 2 ? this.u16() : this.u24();
    this.need(n);
    const r = new TlsReader(this.buf, this.off, this.off + n);
    this.off += n;
    return r;
  }

  /** The u16 values of the rest of this reader (a cipher suite or signature scheme list). */
  u16List(): number[] {
    if (this.remaining % 2 !== 0) throw new TlsDecodeError('odd length in a u16 list');
    const out: number[] = [];
    while (this.remaining > 0) out.push(this.u16());
    return out;
  }

  u8List(): number[] {
    const out: number[] = [];
    while (this.remaining > 0) out.push(this.u8());
    return out;
  }
}
