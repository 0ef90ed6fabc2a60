// Incremental line framing for one direction of an SMTP connection: CRLF or bare LF terminated
// lines with a maximum length, a partial-line carry across chunks, and a raw mode that hands out
// exactly N bytes (BDAT chunks). Owns the carry buffer; consumes BORROWED chunks and produces
// lines as a range of a buffer (lineBuf[lineStart, lineEnd)), valid only until the next call: no
// Buffer view is made per line unless a caller asks for `line` (issue 12 item 6: a view costs as
// much as a short string). Knows nothing about SMTP verbs.
import { CR, LF } from '../shared/bytes.js';

/** Smallest carry buffer: a command or reply line split across two segments usually fits. */
const MIN_CARRY = 128;

export class LineReader {
  /** The buffer holding the last complete line (the chunk read, or the carry); null when none. */
  lineBuf: Buffer | null = null;
  /** The line is lineBuf[lineStart, lineEnd), without its terminator. */
  lineStart = 0;
  lineEnd = 0;
  /** The line in `line` was longer than the limit: only its first `maxLen` bytes are kept. */
  truncated = false;
  /** The line in `line` ended with a bare LF (no CR). */
  bareLf = false;
  /** Raw bytes handed out by readRaw (a view), null when none. */
  raw: Buffer | null = null;
  /** Bytes still expected in raw mode. */
  rawRemaining = 0;

  private readonly maxLen: number;
  private carry: Buffer | null = null;
  private carryLen = 0;
  /** The current partial line already exceeded maxLen: its rest is skipped until LF. */
  private skipping = false;

  constructor(maxLen: number) {
    this.maxLen = maxLen;
  }

  /** The last complete line (without its terminator) as a view valid until the next call; null when none. */
  get line(): Buffer | null {
    return this.lineBuf === null ? null : this.lineBuf.subarray(this.lineStart, this.lineEnd);
  }

  /** Bytes of a partial line held across chunks (for memory accounting and tests). */
  get pending(): number {
    return this.carryLen;
  }

  /**
   * Frame at most one line from chunk[off..]. Returns the offset after the bytes consumed. When a
   * line completed, `lineBuf` holds it; otherwise the remainder was carried and `lineBuf` is null.
   */
  read(chunk: Buffer, off: number): number {
    this.lineBuf = null;
    const lf = chunk.indexOf(LF, off);
    if (lf < 0) {
      this.keep(chunk, off, chunk.length);
      return chunk.length;
    }
    let full: Buffer;
    let start: number;
    let n: number;
    let over: boolean;
    if (this.carryLen === 0 && !this.skipping) {
      full = chunk;
      start = off;
      n = lf - off;
      over = false;
    } else {
      this.keep(chunk, off, lf);
      full = this.carry!;
      start = 0;
      n = this.carryLen;
      over = this.skipping;
    }
    const hasCr = !over && n > 0 && full[start + n - 1] === CR;
    if (hasCr) n--;
    // RFC 5321 §4.5.3.1.4/.5: the limit is on the line without its CRLF.
    this.truncated = over || n > this.maxLen;
    if (n > this.maxLen) n = this.maxLen;
    this.bareLf = !hasCr && !over;
    this.lineBuf = full;
    this.lineStart = start;
    this.lineEnd = start + n;
    this.dropCarry();
    return lf + 1;
  }

  /** Append chunk[start, end) to the partial line, keeping at most maxLen + 1 bytes (room for a CR). */
  private keep(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    const cap = this.maxLen + 1;
    let n = end - start;
    if (this.carryLen + n > cap) {
      this.skipping = true;
      n = cap - this.carryLen;
    }
    if (n <= 0) return;
    const need = this.carryLen + n;
    if (this.carry === null || this.carry.length < need) {
      // Sized to what the partial line needs (doubling, at most cap) and owned, not a slice of the
      // shared pool that would pin 8 KiB: an idle session keeps no carry (issue 13 item 12).
      const grown = Buffer.allocUnsafeSlow(Math.min(cap, Math.max(MIN_CARRY, 2 * need)));
      if (this.carry !== null) this.carry.copy(grown, 0, 0, this.carryLen);
      this.carry = grown;
    }
    chunk.copy(this.carry, this.carryLen, start, start + n);
    this.carryLen += n;
  }

  /** The partial line is done with: its buffer goes too (made again by the next partial line). */
  private dropCarry(): void {
    this.carry = null;
    this.carryLen = 0;
    this.skipping = false;
  }

  /** Forget the lines and views handed out (`lineBuf`, `raw`): they must not keep the caller's chunk alive. */
  release(): void {
    this.lineBuf = null;
    this.raw = null;
  }

  /** Expect `n` raw bytes next (BDAT chunk). A partial line carried before is dropped. */
  startRaw(n: number): void {
    this.rawRemaining = n;
    this.dropCarry();
  }

  /** Hand out up to rawRemaining bytes of chunk[off..] as `raw`; returns the offset after them. */
  readRaw(chunk: Buffer, off: number): number {
    const n = Math.min(this.rawRemaining, chunk.length - off);
    this.raw = chunk.subarray(off, off + n);
    this.rawRemaining -= n;
    return off + n;
  }

  /** Bytes were lost: the partial line is meaningless. Returns the raw bytes the gap consumed. */
  gap(len: number): number {
    this.dropCarry();
    this.lineBuf = null;
    const inRaw = Math.min(this.rawRemaining, len);
    this.rawRemaining -= inRaw;
    return inRaw;
  }

  /** The partial line left at the end of the stream, if any (a command without its CRLF). */
  flush(): Buffer | null {
    if (this.carryLen === 0) return null;
    const line = this.carry!.subarray(0, this.carryLen);
    this.truncated = this.skipping;
    this.bareLf = false;
    this.dropCarry();
    return line;
  }
}
