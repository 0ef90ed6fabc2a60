// DATA-mode framing (RFC 5321 §4.1.1.4, §4.5.2): dot-unstuffing and end-of-data detection across
// any chunk boundary, with bare-LF and smuggling-sequence detection. Owns only its byte state;
// consumes BORROWED chunks and hands message bytes (views) to a DataSink. Knows no SMTP verbs.
//
// The rule chosen for the SMTP-smuggling ambiguity (SEC Consult, 2023): only <CRLF>.<CRLF> ends
// the data, as RFC 5321 and a patched Postfix/Exim/Sendmail do. Dot-unstuffing applies only after
// a CRLF. Any other dot line (<LF>.<LF>, <LF>.<CRLF>, <CRLF>.<LF>, <CR>.<CR>, <CRLF>.<CR>x) stays
// in the message as content and is counted in `smugglingSeen`, bare LFs in `bareLfSeen`: a
// receiver that ends data there would see a second, smuggled message inside this one.
import { CR, DOT, LF } from '../shared/bytes.js';

export interface DataSink {
  /** Message bytes after dot-unstuffing, in order. The view is BORROWED. */
  onMessageBytes(bytes: Buffer): void;
}

const CR_BYTE = Buffer.from([CR]);

// Byte states. "SOL" is the start of a line after a CRLF (or the start of the data).
const S_SOL = 0;
const S_MID = 1;
const S_CR = 2; // CR inside a line, LF not yet seen
const S_DOT = 3; // '.' at SOL (dropped)
const S_DOT_CR = 4; // '.' CR at SOL (CR held back: it is either the end or content)
const S_LF_SOL = 5; // start of a line after a bare LF
const S_LF_DOT = 6; // '.' after a bare LF
const S_LF_DOT_CR = 7; // '.' CR after a bare LF
const S_CRB_DOT = 8; // '.' after a bare CR

export class DataReader {
  /** Message bytes handed out since reset (data_bytes). */
  bytes = 0;
  /** The terminating <CRLF>.<CRLF> was seen. */
  done = false;
  /** Bare LF line endings seen in this message. */
  bareLfSeen = 0;
  /** Non-standard dot lines seen in this message (possible smuggled end of data). */
  smugglingSeen = 0;
  /**
   * smugglingSeen when the first bare LF came, so the session reports both in stream order
   * whatever the segmentation (fuzz finding test/fuzz/regressions/smtp-session/anomaly-order.bin).
   */
  smugglingBeforeBareLf = 0;
  private state = S_SOL;

  /** Start a new message (after DATA). */
  reset(): void {
    this.bytes = 0;
    this.done = false;
    this.bareLfSeen = 0;
    this.smugglingSeen = 0;
    this.smugglingBeforeBareLf = 0;
    this.state = S_SOL;
  }

  /**
   * Consume message bytes from chunk[off..] until the end of data or of the chunk. Returns the
   * offset after the bytes consumed; `done` tells whether the data ended there.
   */
  read(chunk: Buffer, off: number, sink: DataSink): number {
    let st = this.state;
    let seg = off;
    let i = off;
    const n = chunk.length;
    let nextCr = -2;
    let nextLf = -2;
    while (i < n) {
      const b = chunk[i]!;
      switch (st) {
        case S_SOL:
          if (b === DOT) {
            if (i > seg) this.emit(chunk.subarray(seg, i), sink);
            seg = i + 1;
            st = S_DOT;
          } else st = this.afterContent(b);
          break;
        case S_MID: {
          // Skip ordinary content natively (STYLE §3.8); the next CR/LF positions are cached so
          // that a chunk without one of them is not rescanned per line.
          if (nextCr !== -1 && nextCr < i) nextCr = chunk.indexOf(CR, i);
          if (nextLf !== -1 && nextLf < i) nextLf = chunk.indexOf(LF, i);
          let j = n;
          if (nextCr !== -1 && nextCr < j) j = nextCr;
          if (nextLf !== -1 && nextLf < j) j = nextLf;
          if (j > i) {
            i = j;
            continue;
          }
          if (b === CR) st = S_CR;
          else st = this.bareLf(); // b is LF: the skip stops only at CR or LF
          break;
        }
        case S_CR:
          if (b === LF) st = S_SOL;
          else if (b === DOT) st = S_CRB_DOT;
          else if (b !== CR) st = S_MID;
          break;
        case S_DOT:
          if (b === CR) {
            seg = i + 1;
            st = S_DOT_CR;
          } else if (b === LF) {
            this.smugglingSeen++; // <CRLF>.<LF>
            st = this.bareLf();
          } else st = S_MID; // "..": the first dot was stuffing; others: RFC says drop it too
          break;
        case S_DOT_CR:
          if (b === LF) {
            this.done = true;
            this.state = S_SOL;
            return i + 1;
          }
          this.smugglingSeen++; // <CRLF>.<CR> not followed by LF
          this.emit(CR_BYTE, sink); // the CR held back was content, not the end
          seg = i;
          st = S_CR;
          continue; // re-read b as the byte after a bare CR
        case S_LF_SOL:
          if (b === DOT) st = S_LF_DOT;
          else st = this.afterContent(b);
          break;
        case S_LF_DOT:
          if (b === CR) st = S_LF_DOT_CR;
          else if (b === LF) {
            this.smugglingSeen++; // <LF>.<LF>
            st = this.bareLf();
          } else st = S_MID;
          break;
        case S_LF_DOT_CR:
          if (b === LF) {
            this.smugglingSeen++; // <LF>.<CRLF>
            st = S_SOL;
            break;
          }
          st = S_CR;
          continue;
        case S_CRB_DOT:
          if (b === CR || b === LF) this.smugglingSeen++; // <CR>.<CR> or <CR>.<LF>
          st = S_MID;
          continue;
        default:
          st = S_MID;
      }
      i++;
    }
    if (n > seg) this.emit(chunk.subarray(seg, n), sink);
    this.state = st;
    return n;
  }

  /** Bytes were lost inside the data: the line position is unknown, so no dot is unstuffed next. */
  gap(): void {
    this.state = S_MID;
  }

  private afterContent(b: number): number {
    if (b === CR) return S_CR;
    if (b === LF) return this.bareLf();
    return S_MID;
  }

  private bareLf(): number {
    if (this.bareLfSeen++ === 0) this.smugglingBeforeBareLf = this.smugglingSeen;
    return S_LF_SOL;
  }

  private emit(view: Buffer, sink: DataSink): void {
    if (view.length === 0) return;
    this.bytes += view.length;
    sink.onMessageBytes(view);
  }
}
