// Delivered bytes of one direction kept until the receiver acknowledges them (issue 13 item 6), so
// that a retransmission carrying different bytes for them is seen (flow_overlap_mismatch) instead of
// silently dropped: the classic evasion sends one copy to the IDS and another to the host. Owns
// OWNED copies of the delivered ranges in sequence order, bounded per connection
// (flows.retransmit_check_kb: the oldest bytes go first, counted) and by the room held-back bytes
// leave in flows.memcap_mb (HoldbackBudget.retained).
//
// The copies live in one ring buffer per store, not one Buffer per segment: keeping each delivered
// segment was the per-packet path's one allocation (issue 12 item 3). The ring grows by doubling up
// to the cap; an emptied store goes back to RetainedPool with its ring, so request/response traffic
// (each segment acknowledged before the next) reuses a few rings and allocates nothing.
import type { HoldbackBudget } from './holdback.js';
import { seqAdd, seqDiff } from './seq.js';

/** Smallest ring: an SMTP command or reply fits; bulk transfers grow it. */
const MIN_RING = 2048;
/** Emptied stores kept for reuse, each with its ring (at most cap bytes, 64 KiB by default). */
const POOL_MAX = 16;

export class Retained {
  /** Bytes kept, also charged to budget.retained. */
  bytes = 0;
  /** Kept bytes in delivery order from ring offset `head` (wrapping); capacity a power of two. */
  private ring: Buffer | null = null;
  private head = 0;
  // Runs of contiguous sequence numbers (a gap between deliveries starts a new run), oldest first,
  // in a ring of int32 (sequence numbers stored `| 0`, read `>>> 0`).
  private runSeq = new Int32Array(4);
  private runLen = new Int32Array(4);
  private runHead = 0;
  private runs = 0;

  constructor(
    private readonly budget: HoldbackBudget,
    private readonly cap: number,
  ) {}

  /**
   * Keeps a copy of `data`, just delivered at `seq` (BORROWED). Returns the bytes that could not be
   * kept (the oldest, pushed out by the per-connection cap, or the new ones when memcap has no room).
   */
  add(seq: number, data: Buffer): number {
    let n = data.length;
    let from = 0;
    let lost = 0;
    if (n > this.cap) {
      lost += n - this.cap;
      seq = seqAdd(seq, n - this.cap);
      from = n - this.cap;
      n = this.cap;
    }
    if (this.bytes + n > this.cap) lost += this.dropOldest(this.bytes + n - this.cap);
    const room = this.budget.capBytes - this.budget.used - this.budget.retained;
    if (n > room) return lost + n;
    if (n === 0) return lost;
    const ring = this.reserve(this.bytes + n);
    const mask = ring.length - 1;
    const at = (this.head + this.bytes) & mask;
    const first = ring.length - at < n ? ring.length - at : n;
    // The whole segment in one piece (nearly always): Uint8Array#set, without Buffer#copy's
    // argument handling; a cut or wrapped copy goes through copy().
    if (from === 0 && first === data.length) ring.set(data, at);
    else data.copy(ring, at, from, from + first);
    if (first < n) data.copy(ring, 0, from + first, from + n);
    this.appendRun(seq, n);
    this.bytes += n;
    this.budget.retained += n;
    return lost;
  }

  /** The receiver acknowledged everything before `ack`. */
  ackTo(ack: number): void {
    while (this.runs > 0) {
      const d = seqDiff(ack, this.runSeq[this.runHead]! >>> 0);
      if (d <= 0) return;
      const left = this.runLen[this.runHead]!;
      this.dropOldest(d < left ? d : left);
      if (d < left) return;
    }
  }

  /** True when `data` (the bytes at `seq`) differs from a kept copy anywhere they overlap. */
  differs(seq: number, data: Buffer): boolean {
    const ring = this.ring;
    if (ring === null) return false;
    const mask = ring.length - 1;
    let off = this.head;
    const slots = this.runSeq.length;
    for (let k = 0; k < this.runs; k++) {
      const r = (this.runHead + k) & (slots - 1);
      const bStart = this.runSeq[r]! >>> 0;
      const len = this.runLen[r]!;
      // Overlap of [bStart, bStart + len) and [seq, seq + data.length), as offsets into each.
      const lo = Math.max(0, seqDiff(seq, bStart));
      const dLo = Math.max(0, seqDiff(bStart, seq));
      const n = Math.min(len - lo, data.length - dLo);
      if (n > 0 && dLo < data.length) {
        const at = (off + lo) & mask;
        const first = ring.length - at < n ? ring.length - at : n;
        if (ring.compare(data, dLo, dLo + first, at, at + first) !== 0) return true;
        if (first < n && ring.compare(data, dLo + first, dLo + n, 0, n - first) !== 0) return true;
      }
      off = (off + len) & mask;
    }
    return false;
  }

  /** Releases everything (acknowledged, connection closed or ignored); the ring stays for reuse. */
  clear(): void {
    this.budget.retained -= this.bytes;
    this.bytes = 0;
    this.head = 0;
    this.runHead = 0;
    this.runs = 0;
  }

  /** Releases the oldest `n` kept bytes; returns how many were released. */
  private dropOldest(n: number): number {
    let done = 0;
    const slots = this.runSeq.length;
    while (done < n && this.runs > 0) {
      const r = this.runHead;
      const left = this.runLen[r]!;
      const take = Math.min(left, n - done);
      done += take;
      if (take === left) {
        this.runHead = (r + 1) & (slots - 1);
        this.runs--;
      } else {
        this.runSeq[r] = seqAdd(this.runSeq[r]! >>> 0, take) | 0;
        this.runLen[r] = left - take;
      }
    }
    this.bytes -= done;
    this.budget.retained -= done;
    if (this.bytes === 0) this.head = 0;
    else this.head = (this.head + done) & (this.ring!.length - 1);
    return done;
  }

  /** The ring, grown (doubling, bytes kept in order) to hold `need` bytes. */
  private reserve(need: number): Buffer {
    const old = this.ring;
    if (old !== null && old.length >= need) return old;
    let size = old === null ? MIN_RING : old.length * 2;
    while (size < need) size *= 2;
    const ring = Buffer.allocUnsafeSlow(size);
    if (old !== null && this.bytes > 0) {
      const first = old.length - this.head < this.bytes ? old.length - this.head : this.bytes;
      old.copy(ring, 0, this.head, this.head + first);
      if (first < this.bytes) old.copy(ring, first, 0, this.bytes - first);
    }
    this.ring = ring;
    this.head = 0;
    return ring;
  }

  /** Records `n` bytes at `seq` after the kept ones: the last run grows when they follow it. */
  private appendRun(seq: number, n: number): void {
    let slots = this.runSeq.length;
    if (this.runs > 0) {
      const last = (this.runHead + this.runs - 1) & (slots - 1);
      if (seqAdd(this.runSeq[last]! >>> 0, this.runLen[last]!) === seq) {
        this.runLen[last] = this.runLen[last]! + n;
        return;
      }
    }
    if (this.runs === slots) {
      // Full: double, oldest first at 0.
      const s = new Int32Array(slots * 2);
      const l = new Int32Array(slots * 2);
      for (let k = 0; k < this.runs; k++) {
        s[k] = this.runSeq[(this.runHead + k) & (slots - 1)]!;
        l[k] = this.runLen[(this.runHead + k) & (slots - 1)]!;
      }
      this.runSeq = s;
      this.runLen = l;
      this.runHead = 0;
      slots *= 2;
    }
    const r = (this.runHead + this.runs) & (slots - 1);
    this.runSeq[r] = seq | 0;
    this.runLen[r] = n;
    this.runs++;
  }
}

/**
 * Emptied stores with their rings, shared by one FlowTable's connections: a store is taken when a
 * direction delivers bytes its peer has yet to acknowledge and given back once they all are, so an
 * idle connection holds none (issue 13 item 12) and busy ones allocate none (issue 12 item 3).
 * At most POOL_MAX are kept, each ring at most flows.retransmit_check_kb rounded up to a power of two.
 */
export class RetainedPool {
  private readonly spare: Retained[] = [];

  constructor(
    private readonly budget: HoldbackBudget,
    private readonly cap: number,
  ) {}

  take(): Retained {
    return this.spare.pop() ?? new Retained(this.budget, this.cap);
  }

  /** Releases the store's bytes and keeps it for the next take(). */
  give(r: Retained): void {
    r.clear();
    if (this.spare.length < POOL_MAX) this.spare.push(r);
  }
}
