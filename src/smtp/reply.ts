// Server replies (RFC 5321 §4.2): one line → reply line (pure), and the assembly of multi-line
// replies ("250-…" … "250 …") into one reply. Owns only the reply being assembled; consumes
// server lines (views) and produces ReplyFacts plus the text lines (for EHLO keywords).
import { DASH, SP } from '../shared/bytes.js';
import { knownKeywordAt } from './ehlo-keywords.js';
import type { ReplyFacts } from './types.js';

export interface ReplyLine {
  code: number;
  /** The last line of the reply ("ddd " or "ddd" alone); false for "ddd-". */
  final: boolean;
  text: string;
}

function digit(b: number | undefined): number {
  return b !== undefined && b >= 0x30 && b <= 0x39 ? b - 0x30 : -1;
}

/**
 * The code of the reply line buf[start, end): "ddd", "ddd text", "ddd-text", any three digits
 * (codes outside the usual set are kept); -1 when it is no reply line. Its fourth byte, when there
 * is one, is then SP (the last line) or '-'.
 */
export function replyCodeAt(buf: Buffer, start: number, end: number): number {
  if (end - start < 3) return -1;
  const a = digit(buf[start]);
  const b = digit(buf[start + 1]);
  const c = digit(buf[start + 2]);
  if (a < 0 || b < 0 || c < 0) return -1;
  if (end - start > 3 && buf[start + 3] !== SP && buf[start + 3] !== DASH) return -1;
  return a * 100 + b * 10 + c;
}

/** A whole reply line as a ReplyLine; null when it is none (replyCodeAt). */
export function parseReplyLine(line: Buffer): ReplyLine | null {
  const code = replyCodeAt(line, 0, line.length);
  if (code < 0) return null;
  if (line.length === 3) return { code, final: true, text: '' };
  return { code, final: line[3] === SP, text: line.toString('utf8', 4) };
}

export type ReplyStep =
  | { t: 'partial' }
  | { t: 'invalid' }
  | { t: 'reply'; reply: ReplyFacts; lines: readonly string[]; codeChanged: boolean };

/** The steps that carry nothing, shared: no object per partial or invalid line (issue 12 item 6). */
const PARTIAL: ReplyStep = Object.freeze({ t: 'partial' });
const INVALID: ReplyStep = Object.freeze({ t: 'invalid' });

/** Assembles multi-line replies. Text kept per reply is capped at `maxText` characters. */
export class ReplyAssembler {
  /**
   * Text of the reply being assembled: its first line's text, an array from the second line on
   * (most replies have one line: no array grown by push, whose first store holds 16 slots); null
   * between replies (an idle session keeps none).
   */
  private text: string | string[] | null = null;
  private kept = 0;
  private firstCode = -1;
  private readonly maxText: number;

  constructor(maxText: number) {
    this.maxText = maxText;
  }

  /** A reply is being assembled (a "ddd-" line was seen). */
  get open(): boolean {
    return this.firstCode >= 0;
  }

  push(line: Buffer): ReplyStep {
    return this.pushRange(line, 0, line.length);
  }

  /**
   * The line buf[start, end): the code read from its bytes, and no Buffer view or ReplyLine made
   * for it (issue 12 item 6); only its text becomes a string.
   */
  pushRange(buf: Buffer, start: number, end: number): ReplyStep {
    const code = replyCodeAt(buf, start, end);
    if (code < 0) return INVALID;
    const final = end - start === 3 || buf[start + 3] === SP;
    // An EHLO line that is exactly a known keyword is read from its bytes (the same text, no string made).
    const text = end - start > 4 ? (knownKeywordAt(buf, start + 4, end) ?? buf.toString('utf8', start + 4, end)) : '';
    if (this.firstCode < 0) this.firstCode = code;
    if (this.kept + text.length <= this.maxText) {
      const so = this.text;
      if (so === null) this.text = text;
      else if (typeof so === 'string') this.text = [so, text];
      else so.push(text);
      this.kept += text.length + 1;
    }
    if (!final) return PARTIAL;
    // A code that changes inside a multi-line reply: the final line's code is the reply's.
    const codeChanged = this.firstCode !== code;
    const kept = this.text;
    this.text = null;
    this.kept = 0;
    this.firstCode = -1;
    if (typeof kept === 'string') return { t: 'reply', reply: { code, text: kept }, lines: [kept], codeChanged };
    const lines = kept ?? [];
    return { t: 'reply', reply: { code, text: lines.join('\n') }, lines, codeChanged };
  }

  /** A gap or the end of the stream: a half-assembled reply is dropped. */
  reset(): void {
    this.text = null;
    this.kept = 0;
    this.firstCode = -1;
  }
}
