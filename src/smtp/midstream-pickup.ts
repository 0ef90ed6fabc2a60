// A capture that begins in the middle of DATA (issue 13 item 11): until the first recognised
// command, a midstream session's client bytes may be the tail of a message. This reads them as DATA
// on the side (end-of-data framing, a message parser made on the first byte) while the session
// skips them as lines, as after a gap. If <CRLF>.<CRLF> comes before any command, the session
// reports the partly seen message; if a command comes first, the guess is dropped. Owns the
// DataReader and the parser of the guess; consumes BORROWED client chunks.
import { DataReader } from './data-reader.js';
import type { DataSink } from './data-reader.js';
import type { MessageParser } from './message-parser.js';

export class MidstreamPickup implements DataSink {
  private readonly reader = new DataReader();
  private parser: MessageParser | null = null;
  /** Message bytes read (after dot-unstuffing): the transaction's data_bytes. */
  bytes = 0;

  constructor(
    /** Packet time of the first client byte: the transaction's time. */
    readonly firstMicros: number,
    private readonly newParser: () => MessageParser | null,
  ) {}

  /** Reads client bytes; returns the offset just after the end of data, or -1 when not in this chunk. */
  read(chunk: Buffer): number {
    const end = this.reader.read(chunk, 0, this);
    return this.reader.done ? end : -1;
  }

  onMessageBytes(bytes: Buffer): void {
    this.bytes += bytes.length;
    if (this.parser === null) this.parser = this.newParser();
    this.parser?.write(bytes);
  }

  /** Client bytes never captured: the message (if it is one) has a hole. */
  gap(len: number): void {
    this.reader.gap();
    this.parser?.gap(len);
  }

  /** The message ended: its parser (still open) goes to the transaction. */
  take(): MessageParser | null {
    const p = this.parser;
    this.parser = null;
    return p;
  }

  /** A command came first: it was no message. The parser is ended (it may hold temp files). */
  discard(): void {
    const p = this.parser;
    this.parser = null;
    p?.end();
  }
}
