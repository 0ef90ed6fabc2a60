// TLS record-layer framing of one direction (RFC 8446 §5.1, RFC 5246 §6.2.1): a 5-byte header
// (content type, legacy version, length) then the fragment (header-framer.ts). Push-based,
// independent of how TCP cut the bytes; fragments are handed on as borrowed views, so nothing here
// grows with the traffic. Owns the framer and whether framing was lost; produces RecordSink calls.
import { HeaderFramer } from './header-framer.js';
import type { FrameHandler } from './header-framer.js';

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

export class TlsRecordStream implements FrameHandler {
  private readonly framer = new HeaderFramer(HEADER, this);
  private type = 0;
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
    const bad = this.framer.push(bytes);
    if (bad !== null) this.lost = true;
    return bad;
  }

  /** Bytes of this direction were never captured: record boundaries are lost for good. */
  gap(): void {
    this.lost = true;
  }

  header(head: Buffer): number | string {
    const type = head[0]!;
    const major = head[1]!;
    const length = head.readUInt16BE(3);
    if (type < CT_CHANGE_CIPHER_SPEC || type > CT_HEARTBEAT) return `record type ${type}`;
    if (major !== 3) return `record version ${major}.${head[2]!}`;
    if (length > MAX_RECORD_LENGTH) return `record length ${length}`;
    this.type = type;
    this.wanted = this.sink.recordStart(type, length);
    return length;
  }

  body(bytes: Buffer): void {
    if (this.wanted) this.sink.recordData(bytes);
  }

  end(): void {
    this.wanted = false;
    this.sink.recordEnd(this.type);
  }
}
