// Where a part's decoded bytes end: size, the configured hashes (md5/sha1/sha256; absent ones are
// not computed and their fields omitted), the first bytes for magic sniffing, the gap count, and
// optionally a TextSink. Small writes are batched so hashers see large updates. Owns the hashers,
// a fixed batch buffer and the sniff buffer; never keeps body bytes beyond them.
import { createHash, type Hash } from 'node:crypto';
import { hashOnce } from '../shared/hash-once.js';
import { acquireBuffer, releaseBuffer } from './buffer-pool.js';
import type { HashName } from './options.js';
import { DEEP_PROBES, DEEP_PROBE_BYTES, SNIFF_BYTES, detectType } from './magic.js';
import type { TextSink } from './text-sink.js';
import type { BodyTap } from './types.js';

/** Writes smaller than this are copied into the batch buffer (one line of QP or 7bit text) so the
 * hashers, the charset decoder and the URL scanner see large blocks; larger ones go straight on. */
const BATCH_BYTES = 32768;
const DIRECT_BYTES = 4096;
const EMPTY = Buffer.alloc(0);

/**
 * Another reader of a part's decoded bytes, fed the same blocks as the hashers: the walk of a
 * transfer-encoded message/rfc822, the uuencode scanner of a text body. Ends with the part.
 */
export interface DecodedObserver {
  write(decoded: Buffer): void;
  gap(len: number): void;
  finish(): void;
}

export interface DigestResult {
  size: number;
  md5?: string;
  sha1?: string;
  sha256?: string;
  detectedType?: string;
  missingBytes: number;
  textSha256?: string;
}

export class BodyDigest {
  size = 0;
  missing = 0;
  /** Made on the first block that is not the part's last: a part that ends within its first
   * block (most parts: the batch holds 32 KiB) is hashed in one shot (hash-once.ts). */
  private hashers: Hash[] | null = null;
  private readonly names: readonly HashName[];
  /** The one-shot digests of a part consumed as a single block. */
  private single: string[] | null = null;
  private head: Buffer | undefined;
  private headLen = 0;
  /** The ISO 9660 probe windows (magic.ts DEEP_PROBES), and the decoded bytes sniffed so far. */
  private deep: Buffer | undefined;
  private consumed = 0;
  private batch: Buffer | undefined;
  private batchLen = 0;

  /** `hashes` empty and `sniff` false: only sizes and text. */
  /** `tap` (extraction) sees the same decoded bytes as the hashers, in the same large blocks. */
  constructor(
    hashes: readonly HashName[],
    sniff: boolean,
    private readonly text: TextSink | undefined,
    readonly tap?: BodyTap,
    private readonly inner?: DecodedObserver,
  ) {
    this.names = hashes;
    this.head = sniff ? acquireBuffer(SNIFF_BYTES) : undefined;
    if (sniff) this.deep = Buffer.alloc(DEEP_PROBES.length * DEEP_PROBE_BYTES);
  }

  /** Decoded bytes (BORROWED: hashed or copied now, never kept). */
  write(buf: Buffer): void {
    const n = buf.length;
    if (n === 0) return;
    this.size += n;
    if (n >= DIRECT_BYTES) {
      this.flushBatch();
      this.consume(buf);
      return;
    }
    if (this.batch === undefined) this.batch = acquireBuffer(BATCH_BYTES);
    if (this.batchLen + n > BATCH_BYTES) this.flushBatch();
    this.batch.set(buf, this.batchLen);
    this.batchLen += n;
  }

  gap(len: number): void {
    this.missing += len;
    // The bytes batched before the gap go out first, so the readers see them in order.
    this.flushBatch();
    this.tap?.gap(len);
    this.inner?.gap(len);
  }

  finish(): DigestResult {
    this.flushBatch(true);
    // The inner walk ends first: the attachments it found take the slots after this part's.
    this.inner?.finish();
    const res: DigestResult = { size: this.size, missingBytes: this.missing };
    for (let i = 0; i < this.names.length; i++) res[this.names[i]!] = this.digestOf(i);
    if (this.head !== undefined) {
      const t = detectType(this.head.subarray(0, this.headLen), this.deep);
      if (t !== undefined) res.detectedType = t;
      releaseBuffer(this.head);
      this.head = undefined;
    }
    // The part is over: its buffers serve the next parts (a late write would take a fresh batch).
    if (this.batch !== undefined) {
      releaseBuffer(this.batch);
      this.batch = undefined;
    }
    const ts = this.text?.finish();
    if (ts !== undefined) res.textSha256 = ts;
    return res;
  }

  private flushBatch(last = false): void {
    if (this.batchLen === 0 || this.batch === undefined) return;
    this.consume(this.batch.subarray(0, this.batchLen), last);
    this.batchLen = 0;
  }

  private digestOf(i: number): string {
    if (this.hashers !== null) return this.hashers[i]!.digest('hex');
    if (this.single !== null) return this.single[i]!;
    return hashOnce(this.names[i]!, EMPTY, 'hex'); // an empty part
  }

  private hash(buf: Buffer, last: boolean): void {
    if (this.names.length === 0) return;
    if (this.hashers === null && this.single === null && last) {
      this.single = this.names.map((n) => hashOnce(n, buf, 'hex'));
      return;
    }
    if (this.hashers === null) this.hashers = this.names.map((n) => createHash(n));
    for (let i = 0; i < this.hashers.length; i++) this.hashers[i]!.update(buf);
  }

  /** Copies the parts of `buf` that fall in a deep probe window (offsets of the decoded body). */
  private probe(buf: Buffer): void {
    const from = this.consumed;
    this.consumed += buf.length;
    const last = DEEP_PROBES[DEEP_PROBES.length - 1]! + DEEP_PROBE_BYTES;
    if (from >= last) return;
    for (let i = 0; i < DEEP_PROBES.length; i++) {
      const at = DEEP_PROBES[i]!;
      const s = Math.max(at, from);
      const e = Math.min(at + DEEP_PROBE_BYTES, this.consumed);
      if (s < e) buf.copy(this.deep!, i * DEEP_PROBE_BYTES + (s - at), s - from, e - from);
    }
  }

  private consume(buf: Buffer, last = false): void {
    if (this.head !== undefined && this.headLen < SNIFF_BYTES) {
      this.headLen += buf.copy(this.head, this.headLen, 0, Math.min(buf.length, SNIFF_BYTES - this.headLen));
    }
    if (this.deep !== undefined) this.probe(buf);
    this.hash(buf, last);
    this.text?.write(buf);
    this.tap?.write(buf);
    this.inner?.write(buf);
  }
}
