// Causal deferral queue for one direction of one connection: segments sent after peer bytes we
// have not delivered yet (ACK beyond the peer's `next`), each an OWNED copy with its ACK barrier and
// packet time, in barrier order (front released first); bytes charged to the shared HoldbackBudget.
// Consumes segments from Reassembler.deferPayload.
import type { HoldbackBudget } from './holdback.js';
import { seqDiff, seqLt } from './seq.js';

export class DeferQueue {
  /** Buffered bytes, also charged to the budget. */
  bytes = 0;
  private readonly seqs: number[] = [];
  private readonly lens: number[] = [];
  private readonly acks: number[] = [];
  private readonly bufs: Buffer[] = [];
  /** Packet time of each entry: replayed with it, so its bytes keep their own time. */
  private readonly tss: number[] = [];
  private head = 0;

  constructor(private readonly budget: HoldbackBudget) {}

  get count(): number {
    return this.seqs.length - this.head;
  }

  /**
   * Copies data (BORROWED; the captured prefix of the `len` wire bytes at `seq`). Placed after
   * every entry with a barrier not above `ack`: ACKs grow in sending order, so this is arrival
   * order unless the capture reordered this side's segments.
   */
  push(seq: number, data: Buffer, len: number, ack: number, ts = 0): void {
    const buf = Buffer.allocUnsafeSlow(data.length);
    data.copy(buf);
    let i = this.seqs.length;
    while (i > this.head && seqLt(ack, this.acks[i - 1]!)) i--;
    this.seqs.splice(i, 0, seq);
    this.lens.splice(i, 0, len);
    this.acks.splice(i, 0, ack);
    this.bufs.splice(i, 0, buf);
    this.tss.splice(i, 0, ts);
    this.bytes += buf.length;
    this.budget.used += buf.length;
  }

  /** Fields of the oldest entry; only when count > 0. */
  firstSeq(): number {
    return this.seqs[this.head]!;
  }
  firstLen(): number {
    return this.lens[this.head]!;
  }
  firstAck(): number {
    return this.acks[this.head]!;
  }
  firstBuf(): Buffer {
    return this.bufs[this.head]!;
  }
  firstTs(): number {
    return this.tss[this.head]!;
  }

  /** Entry i (0 = front) fields, for the scan of releaseNeeded; i < count. */
  seqAt(i: number): number {
    return this.seqs[this.head + i]!;
  }
  lenAt(i: number): number {
    return this.lens[this.head + i]!;
  }
  bufAt(i: number): Buffer {
    return this.bufs[this.head + i]!;
  }
  tsAt(i: number): number {
    return this.tss[this.head + i]!;
  }

  /** Removes entry i and releases its bytes. */
  removeAt(i: number): void {
    const k = this.head + i;
    const n = this.bufs[k]!.length;
    this.seqs.splice(k, 1);
    this.lens.splice(k, 1);
    this.acks.splice(k, 1);
    this.bufs.splice(k, 1);
    this.tss.splice(k, 1);
    this.bytes -= n;
    this.budget.used -= n;
    if (this.head === this.seqs.length) this.reset();
  }

  /** Lowest sequence number of any entry (entries are in barrier order, not sequence order). */
  minSeq(): number {
    let m = this.seqs[this.head]!;
    for (let i = this.head + 1; i < this.seqs.length; i++) if (seqDiff(this.seqs[i]!, m) < 0) m = this.seqs[i]!;
    return m;
  }

  /** Removes the front entry and releases its bytes (the buffer stays valid for the caller). */
  dropFirst(): void {
    const n = this.bufs[this.head]!.length;
    this.head++;
    this.bytes -= n;
    this.budget.used -= n;
    if (this.head === this.seqs.length) this.reset();
  }

  /** Releases everything (flow ignored). */
  clear(): void {
    this.budget.used -= this.bytes;
    this.bytes = 0;
    this.reset();
  }

  private reset(): void {
    this.head = 0;
    this.seqs.length = 0;
    this.lens.length = 0;
    this.acks.length = 0;
    this.bufs.length = 0;
    this.tss.length = 0;
  }
}
