// uuencoded files inside text bodies (`begin 644 name` … `end`, POSIX uuencode): old droppers mail
// executables this way and Zeek and Suricata miss them (issue 15). Reads a text part's decoded bytes
// as lines, decodes each block into an attachment of its own (transfer_encoding x-uuencode) with
// the usual size, hashes and magic type. Streaming and bounded: one carried line of at most
// LINE_MAX bytes and a small output buffer; a longer line is no uuencode line.
// Owns the line carry, the block state and the output buffer; the parts belong to the opener.
import type { AnomalySink } from './anomaly-set.js';
import type { DecodedObserver } from './body-digest.js';

/** The longest line looked at: a `begin` line with a 255-byte filename, a data line is 62 bytes. */
const LINE_MAX = 1024;
const OUT_BYTES = 4096;
const LF = 0x0a;
const CR = 0x0d;
const BEGIN_RE = /^begin [0-7]{1,4} +(\S.*?)\s*$/;

/** Where a decoded block goes: one attachment per block. */
export interface UuSink {
  write(decoded: Buffer): void;
  gap(len: number): void;
  /** The block ended (`end`, or cut short: then the anomaly was raised already). */
  close(): void;
}

/** undefined: no room for another attachment (the block is read through and dropped). */
export type UuOpener = (filename: string) => UuSink | undefined;

type State = 'text' | 'begun' | 'block';

export class UuScanner implements DecodedObserver {
  /** Made on the first line cut between writes: most text parts arrive whole and never need it
   * (one buffer per text part was ~4% of a short message's parse, issue 12 item 6). */
  private carry: Buffer | undefined;
  private carryLen = 0;
  /** The current line went past LINE_MAX: skip to its end (it is no uuencode line). */
  private overlong = false;
  /** A gap cut the current line: skip to its end (the block goes on, with missing bytes). */
  private cut = false;
  private state: State = 'text';
  private filename = '';
  private sink: UuSink | undefined;
  private out: Buffer | undefined;
  private outLen = 0;

  constructor(private readonly open: UuOpener, private readonly anomalies: AnomalySink) {}

  write(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      const lf = buf.indexOf(LF, pos);
      const end = lf < 0 ? buf.length : lf;
      if (this.overlong || this.cut) {
        // Skipping the rest of the line.
      } else if (this.carryLen + end - pos > LINE_MAX) {
        this.overlong = true;
        this.carryLen = 0;
      } else if (lf >= 0 && this.carryLen === 0) {
        this.line(buf, pos, end);
      } else {
        this.carryLen += buf.copy((this.carry ??= Buffer.allocUnsafe(LINE_MAX)), this.carryLen, pos, end);
        if (lf >= 0) {
          this.line(this.carry!, 0, this.carryLen);
          this.carryLen = 0;
        }
      }
      if (lf < 0) break;
      this.cut = false;
      if (this.overlong) {
        this.overlong = false;
        this.notUu();
      }
      pos = lf + 1;
    }
  }

  gap(len: number): void {
    // The line in progress is cut: its rest (after the gap) is skipped as an overlong line would be.
    this.carryLen = 0;
    this.cut = true;
    if (this.state === 'block') {
      this.flush();
      this.sink?.gap(len);
    }
  }

  finish(): void {
    if (!this.overlong && !this.cut && this.carryLen > 0) this.line(this.carry!, 0, this.carryLen);
    this.carryLen = 0;
    if (this.state === 'block') this.endBlock(false);
    this.state = 'text';
  }

  /** One line [start, end) without its LF. */
  private line(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (this.state === 'text') {
      // Cheap test first: most text lines do not start with "begin ".
      if (end - start < 9 || buf[start] !== 0x62 || buf.toString('latin1', start, start + 6) !== 'begin ') return;
      const m = BEGIN_RE.exec(buf.toString('utf8', start, end));
      if (m === null) return;
      this.filename = m[1]!;
      this.state = 'begun';
      return;
    }
    if (isEnd(buf, start, end)) {
      // `begin` then `end` at once is an empty file.
      if (this.state === 'begun') this.startBlock();
      this.endBlock(true);
      return;
    }
    const n = decodedLength(buf, start, end);
    if (n < 0) {
      this.notUu();
      // The line that broke the block may begin the next one (state is 'text' now: no loop).
      this.line(buf, start, end);
      return;
    }
    if (this.state === 'begun') this.startBlock();
    this.decode(buf, start, end, n);
  }

  /** A line that is not uuencode: a block in progress ends without its `end`. */
  private notUu(): void {
    if (this.state === 'block') this.endBlock(false);
    this.state = 'text';
  }

  private startBlock(): void {
    this.sink = this.open(this.filename); // undefined: decoded and dropped (flush checks)
    this.out ??= Buffer.allocUnsafe(OUT_BYTES);
    this.outLen = 0;
    this.state = 'block';
  }

  private endBlock(clean: boolean): void {
    if (!clean) this.anomalies.add('mime_invalid_uuencode');
    this.flush();
    this.sink?.close();
    this.sink = undefined;
    this.state = 'text';
  }

  /** Decodes a data line: 4 characters carry 3 bytes, each character (c - 32) & 63 ('`' is 0). */
  private decode(buf: Buffer, start: number, end: number, n: number): void {
    if (this.outLen + n > OUT_BYTES) this.flush();
    const out = this.out!;
    let o = this.outLen;
    let p = start + 1;
    // A transport that strips trailing spaces shortens the line: missing characters are spaces (0).
    const ch = (i: number): number => (i < end ? (buf[i]! - 32) & 63 : 0);
    for (let left = n; left > 0; left -= 3, p += 4) {
      const a = ch(p);
      const b = ch(p + 1);
      const c = ch(p + 2);
      const d = ch(p + 3);
      out[o++] = (a << 2) | (b >> 4);
      if (left > 1) out[o++] = ((b & 15) << 4) | (c >> 2);
      if (left > 2) out[o++] = ((c & 3) << 6) | d;
    }
    this.outLen = o;
  }

  private flush(): void {
    if (this.outLen > 0 && this.sink !== undefined) this.sink.write(this.out!.subarray(0, this.outLen));
    this.outLen = 0;
  }
}

function isEnd(buf: Buffer, start: number, end: number): boolean {
  while (end > start && (buf[end - 1] === 0x20 || buf[end - 1] === 0x09)) end--;
  return end - start === 3 && buf[start] === 0x65 && buf[start + 1] === 0x6e && buf[start + 2] === 0x64;
}

/**
 * Bytes a data line carries, or -1 when it is no uuencode line: empty, a character outside
 * 0x20-0x60, or more characters than its length allows (beyond one group of slack).
 */
function decodedLength(buf: Buffer, start: number, end: number): number {
  if (end <= start) return -1;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x60) return -1;
  }
  const n = (buf[start]! - 32) & 63;
  const chars = Math.ceil(n / 3) * 4;
  // Some encoders add a checksum character; more than a group beyond the length is not uuencode.
  if (end - start - 1 > chars + 4) return -1;
  return n;
}
