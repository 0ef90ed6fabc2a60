// TLS record-layer framing of one direction (RFC 8446 §5.1, RFC 5246 §6.2.1): a 5-byte header
// (content type, legacy version, length) then the fragment. Push-based, independent of how TCP
// cut the bytes: a header split across segments is carried (5 bytes at most), fragments are
// handed on as borrowed views, so nothing here grows with the traffic. Owns only that carry and
// the count of fragment bytes still due; produces RecordSink calls.

export const CT_CHANGE_CIPHER_SPEC = 20;
export const CT_ALERT = 21;
export const CT_HANDSHAKE = 22;
export const CT_APPLICATION_DATA = 23;
const CT_HEARTBEAT = 24;

/** RFC 5246 §6.2.3: a TLSCiphertext fragment is at most 2^14 + 2048 bytes (larger is fatal). */
export const MAX_RECORD_LENGTH = 16384 + 2048;

const HEADER = 5;

export interface RecordSink {
  /** A record begins; returns whether its content bytes are wanted (recordData calls follow). */
  recordStart(type: number, length: number): boolean;
  /** Part of the current record's content: a borrowed view, valid during the call only. */
  recordData(bytes: Buffer): void;
  recordEnd(type: number): void;
}

export class TlsRecordStream {
  private readonly header = Buffer.alloc(HEADER);
  private headerLen = 0;
  private type = 0;
  /** Fragment bytes of the current record still to come; -1 between records. */
  private remaining = -1;
  private wanted = false;
  /** The stream stopped being TLS (bad header) or lost bytes (gap): framing cannot resume. */
  private lost = false;

  constructor(private readonly sink: RecordSink) {}

  get desynchronised(): boolean {
    return this.lost;
  }

  /** Feeds bytes; returns a reason when they are not TLS records (the stream is then abandoned). */
  push(bytes: Buffer): string | null {
    if (this.lost) return null;
    let off = 0;
    while (off < bytes.length) {
      if (this.remaining < 0) {
        const n = Math.min(HEADER - this.headerLen, bytes.length - off);
        bytes.copy(this.header, this.headerLen, off, off + n);
        this.headerLen += n;
        off += n;
        if (this.headerLen < HEADER) return null;
        this.headerLen = 0;
        const bad = this.startRecord();
        if (bad !== null) {
          this.lost = true;
          return bad;
        }
        if (this.remaining === 0) this.endRecord();
        continue;
      }
      const n = Math.min(this.remaining, bytes.length - off);
      if (this.wanted) this.sink.recordData(bytes.subarray(off, off + n));
      this.remaining -= n;
      off += n;
      if (this.remaining === 0) this.endRecord();
    }
    return null;
  }

  /** Bytes of this direction were never captured: record boundaries are lost for good. */
  gap(): void {
    this.lost = true;
  }

  private startRecord(): string | null {
    const type = this.header[0]!;
    const major = this.header[1]!;
    const length = this.header.readUInt16BE(3);
    if (type < CT_CHANGE_CIPHER_SPEC || type > CT_HEARTBEAT) return `record type ${type}`;
    if (major !== 3) return `record version ${major}.${this.header[2]!}`;
    if (length > MAX_RECORD_LENGTH) return `record length ${length}`;
    this.type = type;
    this.remaining = length;
    this.wanted = this.sink.recordStart(type, length);
    return null;
  }

  private endRecord(): void {
    this.remaining = -1;
    this.wanted = false;
    this.sink.recordEnd(this.type);
  }
}
