// Segments of a connection that arrived before the handshake told where their side's stream begins
// (issue 13 item 9, K1): a SPAN feed can deliver a side's data before its SYN or SYN-ACK, and
// anchoring that side at the first segment seen took its earlier bytes for retransmissions. They
// wait here, in arrival order, until both sides' ISNs are known or the reorder window passes, then
// FlowTable replays them through the normal path. Each entry is an OWNED copy with its side, ACK,
// flags and packet time; bytes are charged to the shared HoldbackBudget and bounded per flow by
// flows.per_flow_holdback_kb, like held-back bytes.
import type { HoldbackBudget } from './holdback.js';
import { seqLt } from './seq.js';

export class EarlyQueue {
  /** Buffered bytes, also charged to budget.used. */
  bytes = 0;
  /** 1: sent by side A (the connection's first sender), 0: by side B. */
  readonly sideA: number[] = [];
  readonly seqs: number[] = [];
  readonly lens: number[] = [];
  readonly acks: number[] = [];
  readonly flags: number[] = [];
  readonly bufs: Buffer[] = [];
  readonly tss: number[] = [];

  constructor(
    private readonly budget: HoldbackBudget,
    private readonly perFlowCap: number,
  ) {}

  get count(): number {
    return this.seqs.length;
  }

  /**
   * Copies the captured prefix of a segment (data BORROWED; `len` wire bytes at `seq`, after the
   * SYN's slot). False, storing nothing, when the bytes would pass the per-flow or the global cap.
   */
  push(sideA: boolean, seq: number, data: Buffer, len: number, ack: number, flags: number, ts: number): boolean {
    const n = data.length < len ? data.length : len;
    if (this.bytes + n > this.perFlowCap || this.budget.used + n > this.budget.capBytes) return false;
    const buf = Buffer.allocUnsafeSlow(n);
    data.copy(buf, 0, 0, n);
    this.sideA.push(sideA ? 1 : 0);
    this.seqs.push(seq);
    this.lens.push(len);
    this.acks.push(ack);
    this.flags.push(flags);
    this.bufs.push(buf);
    this.tss.push(ts);
    this.bytes += n;
    this.budget.used += n;
    return true;
  }

  /** Index of the entry of one side with the lowest sequence number, or -1 when it sent none. */
  lowest(sideA: boolean): number {
    const want = sideA ? 1 : 0;
    let best = -1;
    for (let i = 0; i < this.seqs.length; i++) {
      if (this.sideA[i] !== want) continue;
      if (best < 0 || seqLt(this.seqs[i]!, this.seqs[best]!)) best = i;
    }
    return best;
  }

  /** Gives the bytes back to the budget before a replay (the replay charges what it holds again). */
  release(): void {
    this.budget.used -= this.bytes;
    this.bytes = 0;
  }

  /** Releases everything (replayed, or the flow ignored). */
  clear(): void {
    this.release();
    this.sideA.length = 0;
    this.seqs.length = 0;
    this.lens.length = 0;
    this.acks.length = 0;
    this.flags.length = 0;
    this.bufs.length = 0;
    this.tss.length = 0;
  }
}
