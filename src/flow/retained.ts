// Delivered bytes of one direction kept until the receiver acknowledges them (issue 13 item 6), so
// that a retransmission carrying different bytes for them is seen (flow_overlap_mismatch) instead of
// silently dropped: the classic evasion sends one copy to the IDS and another to the host. Owns
// OWNED copies of the delivered ranges in sequence order, bounded per connection
// (flows.retransmit_check_kb: the oldest bytes go first, counted) and by the room held-back bytes
// leave in flows.memcap_mb (HoldbackBudget.retained).
import type { HoldbackBudget } from './holdback.js';
import { seqAdd, seqDiff } from './seq.js';

export class Retained {
  /** Bytes kept, also charged to budget.retained. */
  bytes = 0;
  private readonly seqs: number[] = [];
  private readonly bufs: Buffer[] = [];
  /** Bytes of bufs[0] already released (acknowledged or pushed out by the cap). */
  private skip = 0;

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
    let lost = 0;
    if (n > this.cap) {
      lost += n - this.cap;
      seq = seqAdd(seq, n - this.cap);
      data = data.subarray(n - this.cap);
      n = this.cap;
    }
    if (this.bytes + n > this.cap) lost += this.dropOldest(this.bytes + n - this.cap);
    const room = this.budget.capBytes - this.budget.used - this.budget.retained;
    if (n > room) return lost + n;
    const copy = Buffer.allocUnsafeSlow(n);
    data.copy(copy);
    this.seqs.push(seq);
    this.bufs.push(copy);
    this.bytes += n;
    this.budget.retained += n;
    return lost;
  }

  /** The receiver acknowledged everything before `ack`. */
  ackTo(ack: number): void {
    while (this.bufs.length > 0) {
      const d = seqDiff(ack, seqAdd(this.seqs[0]!, this.skip));
      if (d <= 0) return;
      const left = this.bufs[0]!.length - this.skip;
      this.dropOldest(d < left ? d : left);
      if (d < left) return;
    }
  }

  /** True when `data` (the bytes at `seq`) differs from a kept copy anywhere they overlap. */
  differs(seq: number, data: Buffer): boolean {
    for (let i = 0; i < this.bufs.length; i++) {
      const buf = this.bufs[i]!;
      const from = i === 0 ? this.skip : 0;
      const bStart = seqAdd(this.seqs[i]!, from);
      // Overlap of [bStart, bStart + len) and [seq, seq + data.length), as offsets into each.
      const lo = Math.max(0, seqDiff(seq, bStart));
      const dLo = Math.max(0, seqDiff(bStart, seq));
      const n = Math.min(buf.length - from - lo, data.length - dLo);
      if (n <= 0 || dLo >= data.length) continue;
      if (buf.compare(data, dLo, dLo + n, from + lo, from + lo + n) !== 0) return true;
    }
    return false;
  }

  /** Releases everything (connection closed or ignored). */
  clear(): void {
    this.budget.retained -= this.bytes;
    this.bytes = 0;
    this.seqs.length = 0;
    this.bufs.length = 0;
    this.skip = 0;
  }

  /** Releases the oldest `n` kept bytes; returns how many were released. */
  private dropOldest(n: number): number {
    let done = 0;
    while (done < n && this.bufs.length > 0) {
      const left = this.bufs[0]!.length - this.skip;
      const take = Math.min(left, n - done);
      done += take;
      if (take === left) {
        this.bufs.shift();
        this.seqs.shift();
        this.skip = 0;
      } else this.skip += take;
    }
    this.bytes -= done;
    this.budget.retained -= done;
    return done;
  }
}
