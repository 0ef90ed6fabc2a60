// Out-of-order store for one direction of one connection: non-overlapping ranges ordered by
// sequence number, each an OWNED copy of captured bytes or a known-missing range (the part of a
// snaplen-cut segment that was never captured), with the packet time of the segment it came from.
// Bounded per flow and by a budget shared by all flows.
import { seqAdd, seqDiff } from './seq.js';

/**
 * What one open connection's own state is charged against flows.memcap_mb (issue 13 item 12): an
 * estimate of the main thread's objects for an idle SMTP session (FlowState and its two HalfStates,
 * the index and LRU entries, the SMTP gate's entry and the FlowOpenInfo with its strings), measured
 * at about 1 KiB by test/unit/flow/flow-memcap.test.ts. The worker's SmtpSession (at most 2 KiB
 * idle, test/unit/smtp/session-memory.test.ts) is not charged: it exists once per admitted flow.
 */
export const FLOW_STATE_BYTES = 1024;

/**
 * The global cap (flows.memcap_mb), shared by every Holdback of one FlowTable. It bounds two
 * things, each on its own (issue 13 item 12): held bytes never pass it (Holdback, CausalOrder, as
 * before), and a new connection is admitted only when the open connections' state, its own
 * included, fits in it (else FlowTable evicts the least recently used connection, one per new
 * connection). Held bytes do not count at admission: a connection holding out-of-order bytes near
 * the cap would be the one evicted by the next SYN, where the contract turns another flow's hole
 * into a gap instead (test/unit/flow/causal.test.ts, "global budget exhausted by another flow").
 * Flow state does not shrink the room for held bytes either (250,000 idle sessions would leave
 * nothing to reassemble with, and the held-byte cap tests hold exactly memcap_mb). Together: at
 * most twice memcap_mb; Retained's bytes take only the room held bytes leave.
 */
export class HoldbackBudget {
  used = 0;
  /** `flowStateBytes` per open connection (FlowTable adds and removes them). */
  flowBytes = 0;
  /**
   * Delivered bytes kept for the retransmission check (Retained): they take only the room held-back
   * bytes leave, and never hold back a hole's bytes, so `used` alone is checked by Holdback.
   */
  retained = 0;
  constructor(
    readonly capBytes: number,
    /** Charged per open connection; 0 only in tests of the held-byte caps below a connection's size. */
    readonly flowStateBytes = FLOW_STATE_BYTES,
  ) {}

  /** One more connection's state fits beside the open connections' state. */
  admitsFlow(): boolean {
    return this.flowBytes + this.flowStateBytes <= this.capBytes;
  }
}

/** held: stored (some bytes new); dup: every byte was already held; full: a cap refused it, nothing stored. */
export type HoldResult = 'held' | 'dup' | 'full';

export class Holdback {
  /** Buffered bytes (known-missing ranges cost nothing), charged to the budget too. */
  bytes = 0;
  /** Set by insert when bytes overlapping an already held range differed from it (first copy wins). */
  mismatch = false;
  /** Set by insert when the new range overlapped an already held range. */
  overlapped = false;
  private readonly seqs: number[] = [];
  private readonly lens: number[] = [];
  private readonly bufs: (Buffer | null)[] = [];
  /** Packet time of each range's segment: its data event carries it, not the time of the filler. */
  private readonly tss: number[] = [];
  // Scratch lists of the uncovered pieces of the range being inserted (reused; slow path only).
  private readonly pieceSeq: number[] = [];
  private readonly pieceLen: number[] = [];
  private readonly pieceOff: number[] = [];

  constructor(
    private readonly budget: HoldbackBudget,
    private readonly perFlowCap: number,
  ) {}

  get count(): number {
    return this.seqs.length;
  }

  /** Sequence number of the first held range; only when count > 0. */
  firstSeq(): number {
    return this.seqs[0]!;
  }

  firstLen(): number {
    return this.lens[0]!;
  }

  /** Bytes of the first range, or null when it is a known-missing range. */
  firstBuf(): Buffer | null {
    return this.bufs[0] ?? null;
  }

  /** Packet time of the segment the first range came from. */
  firstTs(): number {
    return this.tss[0]!;
  }

  /** Removes the first range and releases its bytes. */
  dropFirst(): void {
    const buf = this.bufs.shift();
    this.seqs.shift();
    this.lens.shift();
    this.tss.shift();
    if (buf) this.release(buf.length);
  }

  /**
   * Drops every held byte at or after `seq` (bytes beyond a FIN, RFC 9293: not stream data); a
   * range straddling it keeps its head, copied so the dropped tail's memory goes too. Returns the
   * wire bytes dropped.
   */
  truncateFrom(seq: number): number {
    let dropped = 0;
    for (let i = this.seqs.length - 1; i >= 0; i--) {
      const len = this.lens[i]!;
      const keep = seqDiff(seq, this.seqs[i]!);
      if (keep >= len) break;
      const buf = this.bufs[i] ?? null;
      if (keep <= 0) {
        this.seqs.splice(i, 1);
        this.lens.splice(i, 1);
        this.bufs.splice(i, 1);
        this.tss.splice(i, 1);
        if (buf) this.release(buf.length);
        dropped += len;
        continue;
      }
      this.lens[i] = keep;
      dropped += len - keep;
      if (buf && buf.length > keep) {
        const head = Buffer.allocUnsafeSlow(keep);
        buf.copy(head, 0, 0, keep);
        this.bufs[i] = head;
        this.release(buf.length - keep);
      }
    }
    return dropped;
  }

  /** Releases everything (flow closed or ignored). */
  clear(): void {
    this.release(this.bytes);
    this.seqs.length = 0;
    this.lens.length = 0;
    this.bufs.length = 0;
    this.tss.length = 0;
  }

  /**
   * Stores [seq, seq + len): data (BORROWED, data.length <= len) covers the start, the rest is
   * known-missing. Bytes already held win; the parts not yet held are copied. Returns 'full'
   * without storing anything when the new bytes would pass the per-flow or the global cap.
   * `ts` is the segment's packet time.
   */
  insert(seq: number, data: Buffer, len: number, ts = 0): HoldResult {
    this.mismatch = false;
    this.overlapped = false;
    this.pieceSeq.length = 0;
    this.pieceLen.length = 0;
    this.pieceOff.length = 0;
    const captured = Math.min(data.length, len);
    this.collect(seq, data, captured, true);
    if (captured < len) this.collect(seqAdd(seq, captured), data, len - captured, false);
    const n = this.pieceSeq.length;
    if (n === 0) return 'dup';
    let add = 0;
    for (let i = 0; i < n; i++) if (this.pieceOff[i]! >= 0) add += this.pieceLen[i]!;
    if (this.bytes + add > this.perFlowCap || this.budget.used + add > this.budget.capBytes) return 'full';
    for (let i = 0; i < n; i++) {
      const off = this.pieceOff[i]!;
      const plen = this.pieceLen[i]!;
      let buf: Buffer | null = null;
      if (off >= 0) {
        buf = Buffer.allocUnsafeSlow(plen);
        data.copy(buf, 0, off, off + plen);
      }
      this.place(this.pieceSeq[i]!, plen, buf, ts);
    }
    this.bytes += add;
    this.budget.used += add;
    return 'held';
  }

  /** Index of the first range ending after `seq` (binary search; ranges are ordered and disjoint). */
  private indexAfter(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqDiff(seqAdd(this.seqs[mid]!, this.lens[mid]!), seq) > 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Records the parts of [seq, seq + len) not held yet; compares overlapping captured bytes. */
  private collect(seq: number, data: Buffer, len: number, hasBytes: boolean): void {
    const end = seqAdd(seq, len);
    let cur = seq;
    for (let i = this.indexAfter(seq); i < this.seqs.length; i++) {
      const es = this.seqs[i]!;
      if (seqDiff(es, end) >= 0) break;
      const ee = seqAdd(es, this.lens[i]!);
      if (seqDiff(es, cur) > 0) this.addPiece(cur, seqDiff(es, cur), hasBytes ? seqDiff(cur, seq) : -1);
      this.overlapped = true;
      const held = this.bufs[i];
      if (hasBytes && held) {
        const from = seqDiff(es, cur) > 0 ? es : cur;
        const to = seqDiff(ee, end) < 0 ? ee : end;
        const n = seqDiff(to, from);
        const dOff = seqDiff(from, seq);
        const hOff = seqDiff(from, es);
        if (n > 0 && held.compare(data, dOff, dOff + n, hOff, hOff + n) !== 0) this.mismatch = true;
      }
      if (seqDiff(ee, cur) > 0) cur = ee;
    }
    if (seqDiff(end, cur) > 0) this.addPiece(cur, seqDiff(end, cur), hasBytes ? seqDiff(cur, seq) : -1);
  }

  private addPiece(seq: number, len: number, off: number): void {
    this.pieceSeq.push(seq);
    this.pieceLen.push(len);
    this.pieceOff.push(off);
  }

  private place(seq: number, len: number, buf: Buffer | null, ts: number): void {
    const i = this.indexAfter(seq);
    this.seqs.splice(i, 0, seq);
    this.lens.splice(i, 0, len);
    this.bufs.splice(i, 0, buf);
    this.tss.splice(i, 0, ts);
  }

  private release(n: number): void {
    this.bytes -= n;
    this.budget.used -= n;
  }
}
