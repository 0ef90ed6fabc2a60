// One extracted file on its way to disk: bytes buffered into large blocks, written to a temp file
// under DIR/.tmp/ (opened on the first block), committed under their SHA-256 at the end. Past the
// per-file or total cap, on a capture gap or an fs error the file is abandoned at once (temp removed,
// bytes released, counted). Owns the temp fd, the block buffer, the reservation; never throws on I/O.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, writeSync } from 'node:fs';
import type { BodyTap } from '../mime/types.js';
import type { TotalBudget } from './budget.js';
import { discard, type ExtractStore } from './store.js';

/** Block size of writes: small SMTP segments and QP lines become one write(2) per 64 KiB. */
export const BLOCK_BYTES = 65536;

export type ExtractKind = 'attachment' | 'message';
/** mailtap_extract_files_total `result` label values. */
export type ExtractResult = 'stored' | 'duplicate' | 'too_large' | 'total_cap' | 'incomplete' | 'error';

export interface ExtractCounters {
  file(kind: ExtractKind | 'sidecar', result: ExtractResult): void;
  /** Bytes newly stored (duplicates and abandoned files excluded). */
  bytes(n: number): void;
}

export interface WriterContext {
  store: ExtractStore;
  budget: TotalBudget;
  maxFileBytes: number;
  counters: ExtractCounters;
}

type WriterState = 'open' | 'abandoned' | 'ended';

/** Also the MIME engine's BodyTap for one attachment. */
export class ExtractFileWriter implements BodyTap {
  private state: WriterState = 'open';
  private fd = -1;
  private tmpPath = '';
  private size = 0;
  private reserved = 0;
  private readonly hash: Hash | undefined;
  private block: Buffer | undefined;
  private blockLen = 0;

  /** `ownHash` false: the caller passes the SHA-256 of the same bytes to end(). */
  constructor(private readonly ctx: WriterContext, readonly kind: ExtractKind, ownHash: boolean) {
    this.hash = ownHash ? createHash('sha256') : undefined;
  }

  /** BORROWED bytes: copied into the block or written now. */
  write(buf: Buffer): void {
    if (this.state !== 'open' || buf.length === 0) return;
    const n = buf.length;
    // The cap is on the decoded file: exactly max_file bytes is stored, one more is not.
    if (this.size + n > this.ctx.maxFileBytes) {
      this.abandon('too_large');
      return;
    }
    this.size += n;
    this.hash?.update(buf);
    if (this.blockLen + n > BLOCK_BYTES && !this.flush()) return;
    if (n >= BLOCK_BYTES) {
      this.writeOut(buf);
      return;
    }
    if (this.block === undefined) this.block = Buffer.allocUnsafe(BLOCK_BYTES);
    buf.copy(this.block, this.blockLen);
    this.blockLen += n;
  }

  /**
   * A capture gap: the bytes after it would be joined to the bytes before it, which is no faithful
   * copy of the file, so the file is dropped (its event still carries hashes and missing_bytes).
   */
  gap(len: number): void {
    if (this.state === 'open' && len > 0) this.abandon('incomplete');
  }

  /** Commits the file; returns its path (also for a duplicate), or undefined when not stored. */
  end(sha256: string | undefined): string | undefined {
    if (this.state !== 'open') return undefined;
    if (!this.flush()) return undefined;
    if (this.fd < 0 && !this.open()) return undefined; // an empty part is a file too
    this.state = 'ended';
    this.block = undefined;
    const digest = this.hash !== undefined ? this.hash.digest('hex') : sha256;
    this.closeFd();
    if (digest === undefined) {
      discard(this.tmpPath);
      this.finishFailed('error');
      return undefined;
    }
    const res = this.ctx.store.commit(this.tmpPath, digest);
    if (res.kind === 'error') {
      this.finishFailed('error');
      return undefined;
    }
    if (res.kind === 'duplicate') {
      this.ctx.budget.release(this.reserved);
      this.ctx.counters.file(this.kind, 'duplicate');
    } else {
      this.ctx.counters.file(this.kind, 'stored');
      this.ctx.counters.bytes(this.size);
    }
    return res.path;
  }

  /** The part was never finished (session torn down): drop whatever was written. */
  abort(): void {
    if (this.state === 'open') this.abandon('incomplete');
  }

  private flush(): boolean {
    if (this.blockLen === 0) return true;
    const n = this.blockLen;
    this.blockLen = 0;
    return this.writeOut(this.block!.subarray(0, n));
  }

  private writeOut(buf: Buffer): boolean {
    if (this.fd < 0 && !this.open()) return false;
    if (!this.ctx.budget.reserve(buf.length)) {
      this.abandon('total_cap');
      return false;
    }
    this.reserved += buf.length;
    try {
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
      return true;
    } catch {
      this.abandon('error');
      return false;
    }
  }

  private open(): boolean {
    const t = this.ctx.store.openTemp();
    if ('error' in t) {
      this.abandon('error');
      return false;
    }
    this.fd = t.fd;
    this.tmpPath = t.path;
    return true;
  }

  private abandon(result: ExtractResult): void {
    this.state = 'abandoned';
    this.block = undefined;
    this.blockLen = 0;
    this.closeFd();
    if (this.tmpPath !== '') discard(this.tmpPath);
    this.finishFailed(result);
  }

  private finishFailed(result: ExtractResult): void {
    this.ctx.budget.release(this.reserved);
    this.reserved = 0;
    this.ctx.counters.file(this.kind, result);
  }

  private closeFd(): void {
    if (this.fd < 0) return;
    try {
      closeSync(this.fd);
    } catch {
      // nothing left to do with it
    }
    this.fd = -1;
  }
}
