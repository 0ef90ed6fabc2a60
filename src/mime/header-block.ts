// Header blocks (RFC 5322 §2.2): splits lines into fields, unfolds them keeping the folding
// whitespace (§2.2.3), caps each value (limits.header_value_bytes: longer ones are truncated and
// flagged, kept or not, and the block goes on, as Postfix does) and the bytes kept of fields that
// repeat (limits.header_bytes, shared by every entity: Received and the like). Only fields the
// caller keeps are copied, so a long header costs time, not memory, and never ends the block early
// (issue 15: a 1 MB X-Junk before Content-Type must not hide the attachments).
// Values become strings (UTF-8 when valid, RFC 6532) when a field ends.
// Owns one reusable value buffer; consumes line views, produces (name, value) pairs.
import type { AnomalySink } from './anomaly-set.js';
import { acquireBuffer, releaseBuffer } from './buffer-pool.js';
import { decodeRawHeaderPrefix } from './charset.js';
import { knownName } from './header-names.js';

const COLON = 0x3a;
/** `attribute=` (RFC 2045 §5.1 token, RFC 2231 `*n*` allowed) at the start of a line. */
const PARAM_LINE_RE = /^[A-Za-z0-9!#$%&'+.^_`|~-]+(?:\*\d*)*\*?\s*=/;
const EMPTY = Buffer.alloc(0);
/** Starting size of the value buffer (from the pool; it grows up to the value cap when needed). */
const VALUE_BYTES = 4096;

export interface HeaderTarget {
  /** Whether a field (lower-case name) is worth keeping. */
  wants(name: string): boolean;
  /** Every field of the block, kept or not: its lower-case and written name. */
  fieldName?(name: string, written: string): void;
  /**
   * Whether the target keeps every occurrence of a field it wants (Received): those values are
   * charged to the message-wide budget. A field kept once (first wins) costs at most the value cap.
   */
  repeats(name: string): boolean;
  field(name: string, value: string): void;
}

/** RFC 5322 §2.2: a field name is one or more printable ASCII characters other than ':'. */
function isFieldName(buf: Buffer, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

export type HeaderLineVerdict = 'header' | 'end' | 'body';

export class HeaderCollector {
  /** Bytes kept of repeated fields in the whole message (the budget). */
  private used = 0;
  private budgetHit = false;
  private value: Buffer;
  private valueLen = 0;
  private name: string | undefined; // current field, when kept
  /** The current field is charged to the budget. */
  private charged = false;
  /** Value bytes of the current field, kept or not (for the value cap). */
  private seen = 0;
  /** The current field's value so far ends with ';' (a parameter should follow). */
  private wantsParam = false;
  private truncated = false;
  private target: HeaderTarget | undefined;
  /** Fields and bytes of the current block. */
  count = 0;
  bytes = 0;
  private sawLine = false;

  constructor(
    private readonly valueCap: number,
    private readonly budget: number,
    private readonly sink: AnomalySink,
  ) {
    this.value = acquireBuffer(Math.min(valueCap, VALUE_BYTES));
  }

  /** The parser is done with this collector: its value buffer goes back to the pool. */
  release(): void {
    if (this.value.length === Math.min(this.valueCap, VALUE_BYTES)) releaseBuffer(this.value);
    this.value = EMPTY;
    this.name = undefined;
  }

  /** Starts a header block; `target` undefined parses it without keeping anything. */
  begin(target: HeaderTarget | undefined): void {
    this.target = target;
    this.name = undefined;
    this.count = 0;
    this.bytes = 0;
    this.sawLine = false;
    this.wantsParam = false;
  }

  /**
   * One line of the block: content [start, end) then `eol` break bytes; `cont` when it continues
   * a line cut at limits.line_length. 'end' = the blank line, 'body' = not a header line (the
   * block ended without a blank line; the line belongs to the body and was not counted).
   */
  onLine(buf: Buffer, start: number, end: number, eol: number, cont: boolean): HeaderLineVerdict {
    if (cont) {
      this.account(end - start + eol);
      this.append(buf, start, end);
      return 'header';
    }
    if (end === start) {
      this.wantsParam = false;
      this.flush();
      this.account(eol);
      return 'end';
    }
    const c0 = buf[start]!;
    if (c0 === 0x20 || c0 === 0x09) {
      // Folded continuation; a block that starts with whitespace has no field to continue.
      this.account(end - start + eol);
      this.sawLine = true;
      this.append(buf, start, end);
      return 'header';
    }
    if (this.wantsParam && PARAM_LINE_RE.test(buf.toString('latin1', start, Math.min(end, start + 80)))) {
      // `Content-Type: text/html;` then `charset="utf-8"` with no leading whitespace (seen in the
      // wild; Suricata reads on): taken as a folded line, so the block and its CTE are not lost.
      this.sink.add('mime_bad_folding');
      this.account(end - start + eol);
      this.append(buf, start, end);
      return 'header';
    }
    const colon = buf.indexOf(COLON, start);
    if (colon < 0 || colon >= end) {
      this.flush();
      return 'body';
    }
    this.flush();
    this.account(end - start + eol);
    this.sawLine = true;
    let ne = colon;
    while (ne > start && (buf[ne - 1] === 0x20 || buf[ne - 1] === 0x09)) ne--;
    if (!isFieldName(buf, start, ne)) return 'header'; // `From nobody 10:00` and the like: skipped
    const known = knownName(buf, start, ne);
    const written = known !== undefined ? known.written : buf.toString('latin1', start, ne);
    const name = known !== undefined ? known.lower : written.toLowerCase();
    this.count++;
    this.seen = 0;
    this.target?.fieldName?.(name, written);
    this.wantsParam = false;
    this.truncated = false;
    let vs = colon + 1;
    const t = this.target;
    if (t !== undefined && t.wants(name)) {
      this.charged = t.repeats(name);
      if (!this.charged || !this.budgetHit) {
        this.name = name;
        this.valueLen = 0;
      }
    }
    while (vs < end && (buf[vs] === 0x20 || buf[vs] === 0x09)) vs++;
    this.append(buf, vs, end);
    return 'header';
  }

  /** Ends the block at end of input. */
  finish(): void {
    this.flush();
  }

  get started(): boolean {
    return this.sawLine;
  }

  private account(n: number): void {
    this.bytes += n;
  }

  private append(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    let last = end - 1;
    while (last > start && (buf[last] === 0x20 || buf[last] === 0x09)) last--;
    this.wantsParam = buf[last] === 0x3b;
    this.seen += end - start;
    if (this.seen > this.valueCap && !this.truncated) {
      // Flagged whether the field is kept or not: an over-long header is itself a sign (issue 15).
      this.truncated = true;
      this.sink.add('mime_header_too_long');
    }
    if (this.name === undefined) return;
    const n = Math.min(end - start, this.valueCap - this.valueLen);
    if (n <= 0) return;
    if (this.charged) {
      if (this.used + n > this.budget) {
        // The budget is spent: this field and further repeated ones are parsed, not kept.
        this.budgetHit = true;
        this.sink.add('mime_header_too_long');
        this.name = undefined;
        return;
      }
      this.used += n;
    }
    if (this.valueLen + n > this.value.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.valueCap, Math.max(this.value.length * 2, this.valueLen + n)));
      this.value.copy(grown, 0, 0, this.valueLen);
      this.value = grown;
    }
    this.valueLen += buf.copy(this.value, this.valueLen, start, start + n);
  }

  private flush(): void {
    if (this.name === undefined || this.target === undefined) return;
    let e = this.valueLen;
    while (e > 0 && (this.value[e - 1] === 0x20 || this.value[e - 1] === 0x09)) e--;
    this.target.field(this.name, decodeRawHeaderPrefix(this.value, e));
    this.name = undefined;
  }
}
