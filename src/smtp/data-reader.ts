// DATA-mode framing (RFC 5321 §4.1.1.4, §4.5.2): dot-unstuffing and end-of-data detection across
// any chunk boundary, with bare-LF and smuggling-sequence detection. Owns only its byte state;
// consumes BORROWED chunks and hands message bytes (views) to a DataSink. Knows no SMTP verbs.
//
// The rule chosen for the SMTP-smuggling ambiguity (SEC Consult, 2023): only <CRLF>.<CRLF> ends
// the data, as RFC 5321 and a patched Postfix/Exim/Sendmail do. Dot-unstuffing applies only after
// a CRLF. Any other dot line (<LF>.<LF>, <LF>.<CRLF>, <CRLF>.<LF>, <CR>.<CR>, <CRLF>.<CR>x) stays
// in the message as content and is counted in `smugglingSeen`, bare LFs in `bareLfSeen`: a
// receiver that ends data there would see a second, smuggled message inside this one.
//
// With `holdLenient` set, reading stops right after a lenient terminator (<LF>.<LF>,
// <LF>.<CRLF>, <CRLF>.<LF>, <CR>.<CR>: `lenient` tells which) without handing out its bytes
// after the first line ending, so the session can wait for the server's reply to decide where
// the data ended (issue 15, lenient-end.ts): resumeStrict() hands them out as content and goes on.
import { CR, DOT, LF } from '../shared/bytes.js';
import type { LenientForm } from './lenient-end.js';

export interface DataSink {
  /** Message bytes after dot-unstuffing, in order. The view is BORROWED. */
  onMessageBytes(bytes: Buffer): void;
}

const CR_BYTE = Buffer.from([CR]);
const DOT_BYTES = Buffer.from('.', 'latin1');
const DOT_CR_BYTES = Buffer.from('.\r', 'latin1');

/** A dot after a CR that ends no line: <CR>.<CR> and <CR>.<LF> start so (smuggling forms). */
const CR_DOT = Buffer.from('\r.', 'latin1');
/** Dots a chunk's line skipping looks up one by one before it searches for <CR>. instead. */
const DOT_SEARCHES = 2;

/** A lenient terminator's bytes after its first line ending, as content of the strict reading. */
const LENIENT_TAIL: Readonly<Record<LenientForm, Buffer>> = {
  'LF.LF': Buffer.from('.\n', 'latin1'),
  'LF.CRLF': Buffer.from('.\r\n', 'latin1'),
  'CRLF.LF': Buffer.from('\n', 'latin1'), // the dot after a CRLF is unstuffed
  'CR.CR': Buffer.from('.\r', 'latin1'),
};

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
  /** Stop after each lenient terminator (see the header); set by the session. */
  holdLenient = false;
  /** read() stopped after this lenient terminator; resumeStrict() or reset() clears it. */
  lenient: LenientForm | null = null;
  private state = S_SOL;
  /** Bytes of a possible lenient terminator held from an earlier chunk (not yet handed out). */
  private held: Buffer | null = null;
  /** The first dot at or after `dotFrom` in the chunk being read (-1: none); dotFrom -1: unknown. */
  private dotFrom = -1;
  private dotAt = -1;
  /** Dots looked up one by one in the chunk being read (see skipCleanLines). */
  private dotSearches = 0;

  /** Start a new message (after DATA). */
  reset(): void {
    this.bytes = 0;
    this.done = false;
    this.bareLfSeen = 0;
    this.smugglingSeen = 0;
    this.smugglingBeforeBareLf = 0;
    this.state = S_SOL;
    this.held = null;
    this.lenient = null;
  }

  /** The server did not end the data at the lenient terminator: its bytes are content. */
  resumeStrict(sink: DataSink): void {
    const form = this.lenient;
    if (form === null) return;
    this.lenient = null;
    this.emit(LENIENT_TAIL[form], sink);
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
    this.dotFrom = -1; // a new chunk: no dot position known
    this.dotSearches = 0;
    while (i < n) {
      const b = chunk[i]!;
      switch (st) {
        case S_SOL:
          if (b === DOT) {
            if (i > seg) this.emit(chunk.subarray(seg, i), sink);
            seg = i + 1;
            st = S_DOT;
          } else if (b === CR || b === LF) st = this.afterContent(b);
          else {
            // Whole content lines at once: one native LF search per line instead of a state
            // change per CR, LF and line start (the profile of `large`: 17% of the worker here).
            // A line qualifies when it ends in CRLF and holds no <CR>. (the only bare-CR form with
            // a meaning); anything else is left to the byte states from this line's second byte.
            const next = this.skipCleanLines(chunk, i, n);
            if (next < 0) {
              i = -next - 1; // a line that does not qualify: its first byte is content
              st = S_MID;
              break;
            }
            i = next; // a line start whose first byte the byte states must see, or the chunk end
            continue;
          }
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
          else if (b === DOT) {
            st = S_CRB_DOT;
            if (this.holdLenient) seg = this.cut(chunk, seg, i, sink);
          } else if (b !== CR) st = S_MID;
          break;
        case S_DOT:
          if (b === CR) {
            seg = i + 1;
            st = S_DOT_CR;
          } else if (b === LF) {
            this.smugglingSeen++; // <CRLF>.<LF>
            st = this.bareLf();
            if (this.holdLenient) return this.stop('CRLF.LF', st, i);
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
          if (b === DOT) {
            st = S_LF_DOT;
            if (this.holdLenient) seg = this.cut(chunk, seg, i, sink);
          } else st = this.afterContent(b);
          break;
        case S_LF_DOT:
          if (b === CR) st = S_LF_DOT_CR;
          else if (b === LF) {
            this.smugglingSeen++; // <LF>.<LF>
            st = this.bareLf();
            if (this.holdLenient) return this.stop('LF.LF', st, i);
          } else {
            this.release(sink);
            st = S_MID;
          }
          break;
        case S_LF_DOT_CR:
          if (b === LF) {
            this.smugglingSeen++; // <LF>.<CRLF>
            st = S_SOL;
            if (this.holdLenient) return this.stop('LF.CRLF', st, i);
            break;
          }
          this.release(sink);
          st = S_CR;
          continue;
        case S_CRB_DOT:
          if (b === CR || b === LF) this.smugglingSeen++; // <CR>.<CR> or <CR>.<LF>
          // The second CR is content of the strict reading: it leaves a bare CR pending (S_CR).
          if (b === CR && this.holdLenient) return this.stop('CR.CR', S_CR, i);
          this.release(sink);
          st = S_MID;
          continue;
        default:
          st = S_MID;
      }
      i++;
    }
    if (this.holdLenient && (st === S_LF_DOT || st === S_LF_DOT_CR || st === S_CRB_DOT)) {
      // A possible lenient terminator runs past the chunk: its bytes so far wait for the next one.
      this.held = st === S_LF_DOT_CR ? DOT_CR_BYTES : DOT_BYTES;
    } else if (n > seg) this.emit(seg === 0 ? chunk : chunk.subarray(seg, n), sink); // a whole chunk of content: no view made
    this.state = st;
    return n;
  }

  /**
   * Skips, from a line start `i` whose first byte is ordinary content, every following line that
   * ends in CRLF within the chunk and holds no other LF and no <CR>. (a dot after a bare CR).
   * Those lines are content. Returns the line start after them when its first byte is a dot, CR
   * or LF or the chunk ends there (state S_SOL); otherwise -(start + 1) of the first line that
   * does not qualify, whose first byte is ordinary content.
   */
  private skipCleanLines(chunk: Buffer, i: number, n: number): number {
    // `dot`: no <CR>. lies between dotFrom and it. Dots are looked up one at a time, only as far
    // as the lines reach: base64 has none, so a chunk of it costs one search. Text has a dot or
    // more per line; past DOT_SEARCHES of them in a chunk, one search for <CR>. itself (which
    // stops at every CR inside the native loop) costs less than one call per dot.
    let dot = this.dotFrom >= 0 && this.dotFrom <= i && (this.dotAt === -1 || this.dotAt >= i) ? this.dotAt : chunk.indexOf(DOT, i);
    let at = i;
    for (;;) {
      const lf = chunk.indexOf(LF, at + 1);
      if (lf === -1 || chunk[lf - 1] !== CR) break;
      while (dot !== -1 && dot < lf && chunk[dot - 1] !== CR) {
        if (this.dotSearches++ < DOT_SEARCHES) dot = chunk.indexOf(DOT, dot + 1);
        else {
          const cr = chunk.indexOf(CR_DOT, dot);
          dot = cr === -1 ? -1 : cr + 1;
        }
      }
      if (dot !== -1 && dot < lf) break;
      at = lf + 1;
      if (at >= n || chunk[at] === DOT || chunk[at] === CR || chunk[at] === LF) {
        this.keepDot(at, dot);
        return at; // the chunk's end, or a line start the byte states must see
      }
    }
    this.keepDot(at, dot);
    return -at - 1; // the line at `at` does not qualify
  }

  private keepDot(from: number, dot: number): void {
    this.dotFrom = from;
    this.dotAt = dot;
  }

  /** Hands out chunk[seg, i) and returns i: a possible lenient terminator starts at i. */
  private cut(chunk: Buffer, seg: number, i: number, sink: DataSink): number {
    if (i > seg) this.emit(chunk.subarray(seg, i), sink);
    return i;
  }

  /** The possible lenient terminator was content: what an earlier chunk held goes out first. */
  private release(sink: DataSink): void {
    const h = this.held;
    if (h === null) return;
    this.held = null;
    this.emit(h, sink);
  }

  /** A lenient terminator ended at chunk[i]: stop there, its bytes held (resumeStrict). */
  private stop(form: LenientForm, after: number, i: number): number {
    this.held = null;
    this.lenient = form;
    this.state = after;
    return i + 1;
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
