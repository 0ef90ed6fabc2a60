// The streaming entity walker (RFC 2045/2046, RFC 5322): frames bytes into lines in one fixed input
// buffer, sends header lines to the HeaderCollector and body lines to the part's decoder, matches
// delimiters and descends into message/rfc822 and message/global (a transfer-encoded one is walked
// by a nested parser over its decoded bytes). Owns the input buffer, boundary stack, current entity,
// open encapsulated messages and counters. MessageParser in, MessageResult out.
import type { LimitsConfig } from '../config/types.js';
import { AnomalySet } from './anomaly-set.js';
import { EntityHeaders, resolveEntity, type ResolvedEntity } from './entity.js';
import { HeaderCollector } from './header-block.js';
import { buildMessageRecord } from './message-record.js';
import { acquireBuffer, releaseBuffer } from './buffer-pool.js';
import type { DecodedObserver } from './body-digest.js';
import { BoundaryStack, sniffBoundary, type BoundaryMatch } from './multipart.js';
import { rawNamesOf, type MimeOptions } from './options.js';
import { PartRegistry, type Part } from './parts.js';
import { TopFields } from './top-fields.js';
import { IdentityDecoder, makeTransferDecoder, type TransferDecoder } from './transfer-decoders.js';
import type { MessageContext, MessageParser, MessageResult } from './types.js';

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
/** Dashes inside lines skipped while looking for the end of a bulk region. */
const DASH_TRIES = 8;
/** Input is framed in blocks of this size: large enough for bulk base64 decoding and hashing. */
const BLOCK_BYTES = 65536;
/** A nested walk is fed decoded blocks of at most 32 KiB (BodyDigest's batch): a smaller block will do. */
const NESTED_BLOCK_BYTES = 16384;
const EMPTY = Buffer.alloc(0);

/** What the lines of the current body mean. */
type BodyMode = 'headers' | 'leaf' | 'discard' | 'sniff';

/** An open message/rfc822 part: its raw body is hashed while its content is walked as a message. */
interface Encapsulated {
  /** Boundary stack size when it opened: a delimiter of a frame below this ends it. */
  frameLevel: number;
  decoder: IdentityDecoder;
  part: Part;
}

/** What the walk of a message shares with the walks of the encoded messages inside it. */
interface SharedWalk {
  anomalies: AnomalySet;
  registry: PartRegistry;
  /** MIME entities so far, the top one included (limits.mime_parts spans every nested walk). */
  parts: number;
}

/** Where a nested walk sits: the shared state and the depth of the message it walks. */
interface NestedOrigin {
  shared: SharedWalk;
  depth: number;
}

export class MimeMessageParser implements MessageParser, DecodedObserver {
  private readonly limits: LimitsConfig;
  private readonly anomalies: AnomalySet;
  private readonly headers: HeaderCollector;
  private readonly top: TopFields;
  private readonly stack = new BoundaryStack();
  private readonly registry: PartRegistry;
  private readonly shared: SharedWalk;
  private readonly lineMax: number;
  private readonly block: number;
  private inbuf: Buffer;
  private inLen = 0;
  /** The next bytes continue a line (cut at the line limit or by a gap): not a line start. */
  private midLine = false;
  private noFastUntil = 0;

  private mode: BodyMode = 'headers';
  private entityHeaders: EntityHeaders;
  private depth = 0;
  private isTop = true;
  private inDigest = false;
  private skipping = false;
  private leaf: Part | undefined;
  private decoder: TransferDecoder | undefined;
  private readonly encapsulated: Encapsulated[] = [];

  private headersBytes = 0;
  private headerCount = 0;
  private contentType: string | undefined;
  private ended = false;

  /** `nested`: this parser walks the decoded body of a transfer-encoded message/rfc822 part. */
  constructor(private readonly opts: MimeOptions, private readonly ctx: MessageContext, nested?: NestedOrigin) {
    this.limits = opts.limits;
    this.lineMax = opts.limits.line_length;
    this.block = nested === undefined ? BLOCK_BYTES : NESTED_BLOCK_BYTES;
    this.inbuf = acquireBuffer(this.block + this.lineMax + 1);
    if (nested === undefined) {
      const anomalies = new AnomalySet();
      const registry = new PartRegistry(opts.hashes, opts.limits.urls_per_message, anomalies, opts.bodyTap, opts.limits.mime_parts);
      this.shared = { anomalies, registry, parts: 1 };
    } else {
      this.shared = nested.shared;
    }
    this.anomalies = this.shared.anomalies;
    this.registry = this.shared.registry;
    this.headers = new HeaderCollector(opts.limits.header_value_bytes, opts.limits.header_bytes, this.anomalies);
    this.top = new TopFields(rawNamesOf(opts), opts.limits.header_names, this.anomalies);
    if (nested === undefined) {
      this.entityHeaders = new EntityHeaders(this.top);
      this.headers.begin(this.entityHeaders);
    } else {
      // The encapsulated message is an entity of the outer walk, as in the 7bit case (beginEntity).
      this.isTop = false;
      this.depth = nested.depth;
      this.shared.parts++;
      this.skipping = this.shared.parts > this.limits.mime_parts;
      if (this.skipping) this.anomalies.add('mime_parts_exceeded');
      this.entityHeaders = new EntityHeaders(undefined);
      this.headers.begin(this.skipping ? undefined : this.entityHeaders);
    }
  }

  write(chunk: Buffer): void {
    if (this.ended) return;
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(chunk.length - off, this.inbuf.length - this.inLen);
      this.inbuf.set(n === chunk.length ? chunk : chunk.subarray(off, off + n), this.inLen);
      this.inLen += n;
      off += n;
      if (this.inLen >= this.block) this.drain(false);
    }
  }

  gap(len: number): void {
    if (this.ended || len <= 0) return;
    this.drain(false);
    if (this.inLen > 0) {
      this.onLine(this.inbuf, 0, this.inLen, 0, this.midLine);
      this.inLen = 0;
    }
    this.midLine = true;
    this.anomalies.add('mime_gap');
    if (this.leaf !== undefined) {
      this.decoder!.gap();
      this.leaf.digest.gap(len);
    }
    for (const e of this.encapsulated) {
      e.decoder.gap();
      e.part.digest.gap(len);
    }
  }

  end(): MessageResult {
    this.finish();
    const { records: attachments, mismatch } = this.registry.attachments();
    if (mismatch) this.anomalies.add('mime_attachment_type_mismatch');
    const message = buildMessageRecord(
      this.top,
      {
        headersBytes: this.headersBytes,
        headerCount: this.headerCount,
        parts: this.shared.parts,
        contentType: this.contentType,
        textSha256: this.registry.textSha256,
        attachments,
        urls: this.registry.urls.list(),
        typeMismatch: mismatch,
      },
      this.ctx,
      this.limits,
      this.anomalies,
    );
    return { message, anomalies: this.anomalies.list() };
  }

  /** Ends the walk: the open parts are closed into the registry (a nested walk ends here). */
  finish(): void {
    if (this.ended) return;
    this.drain(true);
    this.ended = true;
    if (this.mode === 'headers') {
      this.headers.finish();
      this.endHeaders();
    }
    // RFC 5321 §4.1.1.4: the first CRLF of the end-of-data CRLF.CRLF ends the last line and belongs
    // to the message, so the part that runs to the end keeps its last line break (only the break
    // before a delimiter is the delimiter's, RFC 2046 §5.1.1). BDAT chunks and a decoded nested
    // message end where their bytes end, with whatever break they carry.
    this.endLeaf(false);
    while (this.encapsulated.length > 0) this.endEncapsulated(false);
    if (this.stack.size > 0 || this.mode === 'sniff') this.anomalies.add('mime_boundary_missing');
    // Nothing reads the input block after the end (write and gap return early): the next parser may.
    releaseBuffer(this.inbuf);
    this.inbuf = EMPTY;
    this.headers.release();
  }

  /** Frames the buffered bytes into lines; keeps an unfinished line unless `final`. */
  private drain(final: boolean): void {
    const buf = this.inbuf;
    const end = this.inLen;
    let pos = 0;
    const complete = buf.lastIndexOf(LF, end - 1) + 1;
    this.noFastUntil = 0;
    while (pos < end) {
      if (this.mode === 'leaf' && this.decoder!.bulk && pos < complete && pos >= this.noFastUntil && !this.midLine && buf[pos] !== DASH) {
        const regionEnd = this.regionEnd(buf, pos, complete);
        const done = this.decoder!.region(buf, pos, regionEnd, this.lineMax);
        if (done > pos) {
          for (let i = 0; i < this.encapsulated.length; i++) this.encapsulated[i]!.decoder.lines(buf, pos, done);
          pos = done;
          continue;
        }
        this.noFastUntil = regionEnd;
      }
      const lf = buf.indexOf(LF, pos);
      if (lf >= 0 && lf < end) {
        const eol = lf > pos && buf[lf - 1] === CR ? 2 : 1;
        const contentEnd = lf + 1 - eol;
        if (!this.midLine && contentEnd - pos > this.lineMax) this.anomalies.add('mime_line_too_long');
        this.onLine(buf, pos, contentEnd, eol, this.midLine);
        this.midLine = false;
        pos = lf + 1;
      } else if (final) {
        this.onLine(buf, pos, end, 0, this.midLine);
        pos = end;
      } else if (end - pos > this.lineMax) {
        // RFC 5322 §2.1.1 caps lines at 998; longer ones are passed on in pieces, never buffered whole.
        if (!this.midLine) this.anomalies.add('mime_line_too_long');
        this.onLine(buf, pos, end, 0, this.midLine);
        this.midLine = true;
        pos = end;
      } else break;
    }
    if (pos < end) buf.copyWithin(0, pos, end);
    this.inLen = end - pos;
  }

  /**
   * End of the run of complete lines from `pos` that cannot hold a delimiter: it stops before the
   * next line starting with '-'. Base64 has no '-', so the first dash is normally that line's; after
   * a few dashes inside lines the run is cut at the current line instead (bounded search).
   */
  private regionEnd(buf: Buffer, pos: number, complete: number): number {
    if (this.stack.size === 0) return complete;
    let q = buf.indexOf(DASH, pos);
    for (let tries = 0; q >= 0 && q < complete && buf[q - 1] !== LF; tries++) {
      if (tries === DASH_TRIES) return buf.lastIndexOf(LF, q) + 1;
      q = buf.indexOf(DASH, q + 1);
    }
    return q < 0 || q >= complete ? complete : q;
  }

  private onLine(buf: Buffer, start: number, end: number, eol: number, cont: boolean): void {
    if (this.mode === 'headers') {
      // RFC 2046 §5.1.1: a delimiter ends the part even where its header block had no blank line.
      const m = !cont && this.stack.size > 0 && buf[start] === DASH ? this.stack.match(buf, start, end) : undefined;
      if (m !== undefined) {
        this.headers.finish();
        this.endHeaders();
        this.onDelimiter(m, buf, start, end, eol);
        return;
      }
      const v = this.headers.onLine(buf, start, end, eol, cont);
      if (v !== 'body') {
        this.feedEncapsulated(buf, start, end, eol);
        if (v === 'end') this.endHeaders();
        return;
      }
      this.endHeaders();
    }
    if (!cont && this.stack.size > 0 && buf[start] === DASH) {
      const m = this.stack.match(buf, start, end);
      if (m !== undefined) {
        this.onDelimiter(m, buf, start, end, eol);
        return;
      }
    }
    if (this.mode === 'sniff' && !cont) {
      const b = sniffBoundary(buf, start, end, this.limits.boundary_length);
      if (b !== undefined) {
        this.stack.push(b, this.depth, false);
        this.onDelimiter({ index: this.stack.size - 1, close: false }, buf, start, end, eol);
        return;
      }
    }
    this.feedEncapsulated(buf, start, end, eol);
    if (this.mode === 'leaf') this.decoder!.line(buf, start, end, eol);
  }

  private feedEncapsulated(buf: Buffer, start: number, end: number, eol: number): void {
    for (let i = 0; i < this.encapsulated.length; i++) this.encapsulated[i]!.decoder.line(buf, start, end, eol);
  }

  private onDelimiter(m: BoundaryMatch, buf: Buffer, start: number, end: number, eol: number): void {
    this.endLeaf(true);
    while (this.encapsulated.length > 0 && this.encapsulated[this.encapsulated.length - 1]!.frameLevel > m.index) {
      this.endEncapsulated(true);
    }
    this.feedEncapsulated(buf, start, end, eol);
    // A delimiter of an outer multipart closes the inner ones that never saw their close delimiter.
    if (m.index < this.stack.size - 1) this.anomalies.add('mime_boundary_missing');
    const frame = this.stack.frames[m.index]!;
    if (m.close) {
      this.stack.popTo(m.index, true);
      this.mode = 'discard'; // RFC 2046 §5.1.1 epilogue
      return;
    }
    this.stack.popTo(m.index, false);
    this.beginEntity(frame.depth + 1, frame.digest);
  }

  private beginEntity(depth: number, inDigest: boolean): void {
    this.depth = depth;
    this.isTop = false;
    this.inDigest = inDigest;
    this.shared.parts++;
    this.skipping = this.shared.parts > this.limits.mime_parts;
    if (this.skipping) this.anomalies.add('mime_parts_exceeded');
    this.entityHeaders = new EntityHeaders(undefined);
    this.headers.begin(this.skipping ? undefined : this.entityHeaders);
    this.mode = 'headers';
  }

  /** The header block ended: decide what the body is. */
  private endHeaders(): void {
    if (this.isTop) {
      this.headersBytes = this.headers.bytes;
      this.headerCount = this.headers.count;
    }
    if (this.skipping) {
      this.mode = 'discard';
      return;
    }
    const res = resolveEntity(this.entityHeaders, this.inDigest, this.anomalies);
    if (this.isTop && this.depth === 0) this.contentType = res.type;
    const identity = res.encoding === '7bit' || res.encoding === '8bit' || res.encoding === 'binary';
    const tooDeep = this.depth >= this.limits.mime_depth;
    if (res.type.startsWith('multipart/')) {
      if (tooDeep) {
        this.anomalies.add('mime_depth_exceeded');
        this.openLeaf(res, true);
        return;
      }
      const b = res.boundary;
      if (b === undefined || b === '' || Buffer.byteLength(b, 'utf8') > this.limits.boundary_length) {
        this.anomalies.add('mime_boundary_missing');
        this.mode = 'sniff';
        return;
      }
      this.stack.push(Buffer.from(b, 'utf8'), this.depth, res.type === 'multipart/digest');
      this.mode = 'discard'; // RFC 2046 §5.1.1 preamble
      return;
    }
    const message = res.type === 'message/rfc822' || res.type === 'message/global';
    if (message && identity && !tooDeep) {
      const part = this.registry.open(res, false);
      this.encapsulated.push({ frameLevel: this.stack.size, decoder: new IdentityDecoder(part.digest), part });
      this.beginEntity(this.depth + 1, false);
      return;
    }
    if (message && !tooDeep) {
      // RFC 2046 §5.2.1 forbids encoding message/rfc822, clients do it anyway (a forwarded .eml in
      // base64): the part is an attachment of its own and its decoded bytes are walked as a message,
      // so an executable inside a forward named innocent.txt is listed too (issue 15).
      this.openLeaf(res, false, new MimeMessageParser(this.opts, this.ctx, { shared: this.shared, depth: this.depth + 1 }));
      return;
    }
    if (tooDeep && res.type.startsWith('message/')) this.anomalies.add('mime_depth_exceeded');
    this.openLeaf(res, false);
  }

  private openLeaf(res: ResolvedEntity, forceAttachment: boolean, inner?: DecodedObserver): void {
    const part = this.registry.open(res, forceAttachment, inner);
    this.leaf = part;
    this.decoder = makeTransferDecoder(res.encoding, part.digest, this.anomalies);
    this.mode = 'leaf';
  }

  private endLeaf(atBoundary: boolean): void {
    if (this.leaf === undefined) return;
    this.decoder!.finish(atBoundary);
    this.registry.close(this.leaf);
    this.leaf = undefined;
    this.decoder = undefined;
  }

  private endEncapsulated(atBoundary: boolean): void {
    const e = this.encapsulated.pop()!;
    e.decoder.finish(atBoundary);
    this.registry.close(e.part);
  }
}
