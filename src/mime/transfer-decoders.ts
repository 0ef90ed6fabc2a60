// Content-Transfer-Encoding decoders as streams (RFC 2045 §6): identity, quoted-printable, base64.
// Body lines in, decoded bytes out to a BodyDigest. The break before a delimiter belongs to the
// delimiter (RFC 2046 §5.1.1; suricata-verify issue 1202), so a break is written only once the next
// line arrives. State: the pending break, the base64 carry (< 4 characters) and a staging buffer.
import type { AnomalySink } from './anomaly-set.js';
import type { BodyDigest } from './body-digest.js';

const CR = 0x0d;
const LF = 0x0a;
const EQ = 0x3d;
const DASH = 0x2d;
const CRLF = Buffer.from('\r\n');
const BARE_LF = Buffer.from('\n');

/** Base64 text decoded per call (aligned to 4 characters). */
const B64_BLOCK = 65536;
const EMPTY = Buffer.alloc(0);

/**
 * Output of every decoder's bulk path (and of QP lines), shared by all decoders of a thread: the
 * digest consumes it before the call returns, so one buffer serves all parsers and no block is
 * allocated per call.
 */
let scratch = Buffer.allocUnsafe(2 * B64_BLOCK + 4096);
function scratchOf(need: number): Buffer {
  if (scratch.length < need) scratch = Buffer.allocUnsafe(need);
  return scratch;
}
function decodeBase64(text: string): Buffer {
  const out = scratchOf((text.length >> 2) * 3 + 3);
  const n = out.write(text, 0, 'base64');
  return out.subarray(0, n);
}

export interface TransferDecoder {
  /** Whether region() can take lines in bulk (worth looking for a region at all). */
  readonly bulk: boolean;
  /** One line: content [start, end), then `eol` bytes of line break (0: a fragment of a long line). */
  line(buf: Buffer, start: number, end: number, eol: number): void;
  /**
   * Complete lines [start, end) in bulk; returns how far it consumed (start when it declined,
   * and the caller then feeds lines one by one).
   */
  region(buf: Buffer, start: number, end: number, maxContent: number): number;
  /** Bytes were lost: drop partial state. */
  gap(): void;
  /** The part ended; `atBoundary` drops the final line break (it belongs to the delimiter). */
  finish(atBoundary: boolean): void;
}

/**
 * End of the run of complete lines from `start` (before `end`) that the bulk paths may take as they
 * come: it stops before a line longer than `maxContent` (the per-line path flags it) or starting
 * with '-' (a possible delimiter; the caller's region already excludes those).
 */
function plainLinesEnd(buf: Buffer, start: number, end: number, maxContent: number): number {
  let pos = start;
  while (pos < end) {
    const lf = buf.indexOf(LF, pos);
    if (lf < 0 || lf >= end) break;
    const contentEnd = lf > pos && buf[lf - 1] === CR ? lf - 1 : lf;
    if (contentEnd - pos > maxContent || buf[pos] === DASH) break;
    pos = lf + 1;
  }
  return pos;
}

export class IdentityDecoder implements TransferDecoder {
  readonly bulk = true;
  private pendingEol = 0;
  constructor(private readonly out: BodyDigest) {}
  /** Complete lines [start, end) (end just after a LF) as they are: an encapsulated message's raw body. */
  lines(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    if (this.pendingEol !== 0) this.out.write(this.pendingEol === 2 ? CRLF : BARE_LF);
    const eol = end - start >= 2 && buf[end - 2] === CR ? 2 : 1;
    if (end - eol > start) this.out.write(buf.subarray(start, end - eol));
    this.pendingEol = eol;
  }
  line(buf: Buffer, start: number, end: number, eol: number): void {
    if (this.pendingEol !== 0) this.out.write(this.pendingEol === 2 ? CRLF : BARE_LF);
    if (end > start) this.out.write(buf.subarray(start, end));
    this.pendingEol = eol;
  }
  /** 7bit/8bit text in bulk: the lines are their own decoding, one write for the run. */
  region(buf: Buffer, start: number, end: number, maxContent: number): number {
    const done = plainLinesEnd(buf, start, end, maxContent);
    this.lines(buf, start, done);
    return done;
  }
  gap(): void {
    this.pendingEol = 0;
  }
  finish(atBoundary: boolean): void {
    if (!atBoundary && this.pendingEol !== 0) this.out.write(this.pendingEol === 2 ? CRLF : BARE_LF);
    this.pendingEol = 0;
  }
}

/** Hex digit values, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) HEX[0x41 + i] = HEX[0x61 + i] = 10 + i;

export class QuotedPrintableDecoder implements TransferDecoder {
  readonly bulk = true;
  private pendingBreak = false;
  constructor(private readonly out: BodyDigest, private readonly sink: AnomalySink) {}

  line(buf: Buffer, start: number, end: number, eol: number): void {
    const s = scratchOf(end - start + 2);
    const o = this.decodeLine(buf, start, end, eol, s, 0);
    if (o > 0) this.out.write(s.subarray(0, o));
  }

  /** A run of complete lines decoded into the scratch buffer and written once (no per-line calls). */
  region(buf: Buffer, start: number, end: number, maxContent: number): number {
    // Each line yields at most its content plus a CRLF, so twice the input always fits.
    const s = scratchOf(2 * (end - start) + 2);
    let pos = start;
    let o = 0;
    while (pos < end) {
      const lf = buf.indexOf(LF, pos);
      if (lf < 0 || lf >= end) break;
      const eol = lf > pos && buf[lf - 1] === CR ? 2 : 1;
      const contentEnd = lf + 1 - eol;
      if (contentEnd - pos > maxContent || buf[pos] === DASH) break;
      o = this.decodeLine(buf, pos, contentEnd, eol, s, o);
      pos = lf + 1;
    }
    if (o > 0) this.out.write(s.subarray(0, o));
    return pos;
  }

  /** Decodes one line's content [start, end) into `s` at `o`; returns the new end of output. */
  private decodeLine(buf: Buffer, start: number, end: number, eol: number, s: Buffer, o: number): number {
    if (this.pendingBreak) {
      s[o++] = CR;
      s[o++] = LF;
    }
    // RFC 2045 §6.7 (3): trailing whitespace on an encoded line is transport padding.
    let e = end;
    if (eol !== 0) while (e > start && (buf[e - 1] === 0x20 || buf[e - 1] === 0x09)) e--;
    let soft = false;
    if (eol !== 0 && e > start && buf[e - 1] === EQ) {
      soft = true; // (5) soft line break
      e--;
    }
    // Lines are short (RFC 2045 §6.7 (5): 76 characters): a byte loop beats native calls here.
    for (let p = start; p < e; p++) {
      const c = buf[p]!;
      if (c !== EQ) {
        s[o++] = c;
        continue;
      }
      const h = p + 2 < e ? HEX[buf[p + 1]!]! : -1;
      const l = h >= 0 ? HEX[buf[p + 2]!]! : -1;
      if (l < 0) {
        this.sink.add('mime_invalid_qp');
        s[o++] = EQ;
      } else {
        s[o++] = (h << 4) | l;
        p += 2;
      }
    }
    this.pendingBreak = eol !== 0 && !soft;
    return o;
  }

  gap(): void {
    this.pendingBreak = false;
  }
  finish(atBoundary: boolean): void {
    if (!atBoundary && this.pendingBreak) this.out.write(CRLF);
    this.pendingBreak = false;
  }
}

/** 1: alphabet, 2: whitespace (ignored), 3: '=' padding, 0: garbage. */
const B64_CLASS = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') B64_CLASS[c.charCodeAt(0)] = 1;
for (const c of [0x20, 0x09, CR, LF, 0x0b, 0x0c]) B64_CLASS[c] = 2;
B64_CLASS[EQ] = 3;

export class Base64Decoder implements TransferDecoder {
  readonly bulk = true;
  /** Alphabet characters not yet decoded (filtered: no whitespace, no garbage); grown on demand. */
  private staged: Buffer = EMPTY;
  private stagedLen = 0;
  /** After a gap the next line is the tail of a cut line: its characters are out of step. */
  private dropNextLine = false;
  constructor(private readonly out: BodyDigest, private readonly sink: AnomalySink) {}

  /**
   * Fast path for well-formed bodies: lines of one length, a multiple of 4 characters, end in the
   * same break; Node decodes them whole (it skips the breaks). The decoded length proves there was
   * no garbage or early padding; otherwise the caller falls back to the exact per-line path.
   */
  region(buf: Buffer, start: number, end: number, maxContent: number): number {
    if (this.stagedLen !== 0) return start;
    const lf = buf.indexOf(LF, start);
    if (lf < 0 || lf >= end) return start;
    const len = lf - start + 1;
    const eol = lf > start && buf[lf - 1] === CR ? 2 : 1;
    const content = len - eol;
    if (content === 0 || (content & 3) !== 0 || content > maxContent) return start;
    let pos = start;
    let lines = 0;
    while (pos + len <= end) {
      const e = pos + len - 1;
      if (buf[e] !== LF || (eol === 2 ? buf[e - 1] !== CR : buf[e - 1] === CR)) break;
      pos += len;
      lines++;
    }
    // A padded last line decodes short on purpose: leave it to the exact path.
    if (lines > 0 && buf[pos - eol - 1] === EQ) {
      pos -= len;
      lines--;
    }
    if (lines === 0) return start;
    const decoded = decodeBase64(buf.toString('latin1', start, pos));
    if (decoded.length !== (lines * content * 3) / 4) return start;
    this.out.write(decoded);
    return pos;
  }

  line(buf: Buffer, start: number, end: number): void {
    if (this.dropNextLine) {
      this.dropNextLine = false;
      return;
    }
    if (end - start > this.staged.length - this.stagedLen && this.stagedLen >= B64_BLOCK) this.flush(false);
    if (end - start > this.staged.length - this.stagedLen) {
      const bigger = Buffer.allocUnsafe(Math.max(1024, Math.min(B64_BLOCK + 4096, 2 * this.staged.length), end - start + this.stagedLen));
      this.staged.copy(bigger, 0, 0, this.stagedLen);
      this.staged = bigger;
    }
    const st = this.staged;
    let n = this.stagedLen;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      const k = B64_CLASS[c]!;
      if (k === 1) st[n++] = c;
      else if (k === 3) {
        // Padding closes the quantum: decode what is staged, partial quantum included.
        this.stagedLen = n;
        if ((n & 3) === 1) this.sink.add('mime_invalid_base64');
        this.flush(true);
        n = 0;
      } else if (k === 0) this.sink.add('mime_invalid_base64');
    }
    this.stagedLen = n;
    if (n >= B64_BLOCK) this.flush(false);
  }

  gap(): void {
    this.stagedLen = 0;
    this.dropNextLine = true;
  }

  finish(): void {
    if ((this.stagedLen & 3) === 1) this.sink.add('mime_invalid_base64');
    this.flush(true);
  }

  /** Decodes the staged characters; a trailing partial quantum only when `partial`. */
  private flush(partial: boolean): void {
    const n = this.stagedLen;
    const r = n & 3;
    // A lone trailing character cannot carry a byte (RFC 4648 §3.5); it is dropped (and flagged).
    const m = partial ? (r === 1 ? n - 1 : n) : n - r;
    if (m > 0) this.out.write(decodeBase64(this.staged.toString('latin1', 0, m)));
    const rest = n - m;
    if (partial || rest === 0) this.stagedLen = 0;
    else {
      this.staged.copy(this.staged, 0, m, n);
      this.stagedLen = rest;
    }
  }
}

/** RFC 2045 §6.1: unknown encodings (x-uuencode …) pass through as identity. */
export function makeTransferDecoder(encoding: string, out: BodyDigest, sink: AnomalySink): TransferDecoder {
  switch (encoding) {
    case 'base64': return new Base64Decoder(out, sink);
    case 'quoted-printable': return new QuotedPrintableDecoder(out, sink);
    default: return new IdentityDecoder(out);
  }
}
