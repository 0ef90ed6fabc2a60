// Extraction for one worker thread (SPEC §6 `extract`): a BodyTap per attachment for the MIME
// engine, a MessageParser wrapper that also spools the whole raw message, and the sidecar lines
// written when the transaction ends. Owns the store, the view of the shared total budget and the
// counters sink; consumes decoded part bytes, raw message bytes and TransactionFacts.
import type { FlowOpenInfo } from '../flow/types.js';
import type { BodyTapFactory, MessageParser, MessageParserFactory, MessageResult } from '../mime/types.js';
import type { TransactionFacts } from '../smtp/types.js';
import { TotalBudget } from './budget.js';
import { ExtractFileWriter, type ExtractCounters, type WriterContext } from './file-writer.js';
import type { ExtractOptions } from './options.js';
import { buildSightings } from './sidecar.js';
import { ExtractStore } from './store.js';

/** Called by the session table when a transaction ends, before its event is built. */
export interface TransactionObserver {
  onTransaction(info: FlowOpenInfo, t: TransactionFacts): void;
}

/** The MIME parser of one message plus the spool of its raw bytes (extract.messages). */
class ExtractingParser implements MessageParser {
  constructor(private readonly inner: MessageParser, private readonly raw: ExtractFileWriter) {}
  write(chunk: Buffer): void {
    this.raw.write(chunk);
    this.inner.write(chunk);
  }
  gap(len: number): void {
    this.raw.gap(len);
    this.inner.gap(len);
  }
  end(): MessageResult {
    const res = this.inner.end();
    const path = this.raw.end(undefined);
    if (path !== undefined) res.message.extracted = path;
    return res;
  }
}

export class Extractor implements TransactionObserver {
  readonly store: ExtractStore;
  readonly budget: TotalBudget;
  private readonly wctx: WriterContext;
  /** The MIME engine's attachment observer; undefined when extract.attachments is off. */
  readonly bodyTap: BodyTapFactory | undefined;

  /**
   * `digestHasSha256`: output.hashes computes SHA-256, so attachment writers reuse the digest's
   * instead of hashing the same bytes twice.
   */
  constructor(
    readonly opts: ExtractOptions,
    private readonly counters: ExtractCounters,
    digestHasSha256: boolean,
    sharedBudget?: SharedArrayBuffer,
  ) {
    this.store = new ExtractStore(opts.directory);
    this.budget = new TotalBudget(opts.maxTotalBytes, sharedBudget);
    this.wctx = { store: this.store, budget: this.budget, maxFileBytes: opts.maxFileBytes, counters };
    const wctx = this.wctx;
    this.bodyTap = opts.attachments ? () => new ExtractFileWriter(wctx, 'attachment', !digestHasSha256) : undefined;
  }

  /** Wraps the MIME factory so each message's raw bytes are spooled too (extract.messages). */
  wrapFactory(inner: MessageParserFactory): MessageParserFactory {
    if (!this.opts.messages) return inner;
    const wctx = this.wctx;
    // A message whose start was never captured is not stored: like a part touched by a gap, the
    // file would claim to be a message it is only the tail of.
    return (ctx) => (ctx.startMissing === true ? inner(ctx) : new ExtractingParser(inner(ctx), new ExtractFileWriter(wctx, 'message', true)));
  }

  /** One sidecar line per extracted file of the transaction, appended beside the file. */
  onTransaction(info: FlowOpenInfo, t: TransactionFacts): void {
    for (const s of buildSightings(info, t)) {
      if (!this.budget.reserve(s.line.length)) {
        this.counters.file('sidecar', 'total_cap');
        continue;
      }
      const err = this.store.appendSidecar(s.sha256, s.line);
      if (err === null) {
        this.counters.file('sidecar', 'stored');
        this.counters.bytes(s.line.length);
      } else {
        this.budget.release(s.line.length);
        this.counters.file('sidecar', 'error');
      }
    }
  }
}
