// Cross-direction (causal) order of delivery: a segment from one side that acknowledges bytes of
// the other not yet delivered waits in that side's DeferQueue until they are delivered or declared
// missing (golden README B3: the server's 250 must not reach the SMTP engine before a lost client
// segment's gap). Owns no state beyond HalfState.defer; feeds segments back to the Reassembler.
import type { FlowStats } from './types.js';
import type { FlowState, HalfState } from './flow-state.js';
import type { HoldbackBudget } from './holdback.js';
import type { Reassembler } from './reassembler.js';
import { DeferQueue } from './deferred.js';
import { SEQ_JUMP_LIMIT, seqDiff, seqGt, seqLt } from './seq.js';

export class CausalOrder {
  constructor(
    private readonly reasm: Reassembler,
    private readonly stats: FlowStats,
    private readonly budget: HoldbackBudget,
    private readonly perFlowCap: number,
  ) {}

  /**
   * Payload of a segment from `x` acknowledging `y` bytes beyond y.next: x had received y's bytes
   * up to `ack` before sending it, so its bytes go after them. SPAN feeds let an ACK overtake the
   * data it acknowledges; a lost y segment below the ACK becomes a gap before x's bytes go on.
   */
  deferPayload(f: FlowState, x: HalfState, y: HalfState, start: number, data: Buffer, len: number, ack: number, ts: number): void {
    // Each segment waits for what its own ACK covers: a later segment of x carries an ACK at least
    // as high, so x's order is kept, and one with a lower ACK (sent earlier) never waits behind it.
    let q = x.defer;
    if (f.ignored || this.fillsHole(x, start) || !this.blocks(x, y, ack)) {
      this.reasm.onPayload(f, x, start, data, len, ts);
      return;
    }
    const cap = data.length < len ? data.length : len;
    const held = (x.hold ? x.hold.bytes : 0) + (q ? q.bytes : 0);
    if (held + cap > this.perFlowCap || this.budget.used + cap > this.budget.capBytes) {
      // Budget exhausted: y's hole is declared missing now and x's bytes flow again.
      this.peerMemcap(f, y, x, ts);
      this.release(f, x, y, ts, true);
      this.reasm.onPayload(f, x, start, data, len, ts);
      return;
    }
    if (q === null) q = x.defer = new DeferQueue(this.budget);
    q.push(start, data.subarray(0, cap), len, ack, ts);
    if (y.defer !== null && !this.waitsOnHole(x, y) && !this.waitsOnHole(y, x)) this.releaseNeeded(f, x, y);
  }

  /** Both directions' releases until neither moves (x's bytes may unblock y's); true when any moved. */
  releaseBoth(f: FlowState, ts: number): boolean {
    let any = false;
    for (;;) {
      const ra = this.release(f, f.a, f.b, ts, false);
      const rb = this.release(f, f.b, f.a, ts, false);
      if (!ra && !rb) return any;
      any = true;
    }
  }

  /**
   * Close: while a side waits, the peer's bytes below its front barrier become gaps (they will
   * never come), then its bytes go; afterwards flushAll can finish both sides.
   */
  flushDeferred(f: FlowState, ts: number): void {
    for (;;) {
      this.releaseBoth(f, ts);
      if (this.unblock(f, f.a, f.b, ts) || this.unblock(f, f.b, f.a, ts)) continue;
      // Nothing missing to declare, yet both wait: contradictory ACKs. Arrival order decides.
      const w = f.a.defer !== null ? f.a : f.b.defer !== null ? f.b : null;
      if (w === null) return;
      this.release(f, w, w === f.a ? f.b : f.a, ts, true);
    }
  }

  /** Delivers x's deferred segments whose barrier y has reached (all of them when `force`). */
  private release(f: FlowState, x: HalfState, y: HalfState, ts: number, force: boolean): boolean {
    const q = x.defer;
    if (q === null) return false;
    let any = false;
    while (q.count > 0) {
      if (!force && !f.ignored && seqLt(y.next, this.barrier(y, q.firstAck()))) break;
      const seq = q.firstSeq();
      const len = q.firstLen();
      const buf = q.firstBuf();
      const at = q.firstTs();
      q.dropFirst();
      any = true;
      this.reasm.onPayload(f, x, seq, buf, len, at);
    }
    if (q.count === 0 && x.defer === q) x.defer = null;
    return any;
  }

  /**
   * x's held bytes beyond `start` were sent later and did not wait (their ACK was met), so the
   * original of this segment did not either: it is a retransmission carrying a newer ACK.
   */
  private fillsHole(x: HalfState, start: number): boolean {
    return x.hold !== null && x.hold.count > 0 && seqLt(start, x.hold.firstSeq());
  }

  /** True when x's segment acknowledging `ack` must wait for y's bytes. */
  private blocks(x: HalfState, y: HalfState, ack: number): boolean {
    // An ACK that onAck refused (absurd jump) proves nothing; nor does one without y's sequence.
    // Nor does an ACK of a side never captured (one-sided feed): there is nothing to wait for.
    if (!y.hasSeq || !y.seen || !x.hasAck || seqGt(ack, x.lastAck)) return false;
    const d = seqDiff(this.barrier(y, ack), y.next);
    return d > 0 && d <= SEQ_JUMP_LIMIT;
  }

  /** The ACK as a position in y's byte stream: the FIN occupies a sequence number but no byte. */
  private barrier(y: HalfState, ack: number): number {
    return y.finSeen && seqGt(ack, y.finSeq) ? y.finSeq : ack;
  }

  /** How far in o's stream w's front segment waits, short of o's own deferred bytes; only when w waits. */
  private waitTarget(w: DeferQueue, o: HalfState): number {
    let t = this.barrier(o, w.firstAck());
    if (o.defer !== null && o.defer.count > 0) {
      const m = o.defer.minSeq();
      if (seqLt(m, t)) t = m;
    }
    return t;
  }

  /** w's front segment waits on o's bytes that o has not deferred itself (a hole, or not seen yet). */
  private waitsOnHole(w: HalfState, o: HalfState): boolean {
    const q = w.defer;
    return q !== null && q.count > 0 && seqLt(o.next, this.waitTarget(q, o));
  }

  /** The bytes of o that w's front waits on and that o does not hold deferred become gaps. */
  private unblock(f: FlowState, w: HalfState, o: HalfState, ts: number): boolean {
    const q = w.defer;
    if (q === null || q.count === 0) return false;
    const t = this.waitTarget(q, o);
    if (!seqLt(o.next, t)) return false;
    o.waitSince = -1; // o is a real half: w waits on o only when o.hasSeq
    this.reasm.flushUntil(f, o, t, ts);
    return true;
  }

  /**
   * Each side waits on bytes the other holds deferred: x's newest arrival is a retransmission
   * (carrying a newer ACK than the original) that y's waiting segment needs, since y's segment
   * was sent after x's original. x's deferred segments below y's barrier go now.
   */
  private releaseNeeded(f: FlowState, x: HalfState, y: HalfState): void {
    const q = x.defer;
    const yq = y.defer;
    if (q === null || yq === null || yq.count === 0) return;
    const t = this.barrier(x, yq.firstAck());
    for (let i = 0; i < q.count; ) {
      if (!seqLt(q.seqAt(i), t)) {
        i++;
        continue;
      }
      const seq = q.seqAt(i);
      const len = q.lenAt(i);
      const buf = q.bufAt(i);
      const at = q.tsAt(i);
      q.removeAt(i);
      this.reasm.onPayload(f, x, seq, buf, len, at);
    }
    if (q.count === 0 && x.defer === q) x.defer = null;
  }

  /** Every hole of y up to the known target becomes a gap now (deferral budget exhausted). */
  private peerMemcap(f: FlowState, y: HalfState, x: HalfState, ts: number): void {
    const t = this.reasm.target(y, x);
    this.reasm.anomaly(f, 'flow_memcap', `${seqDiff(t, y.next)} ${f.dirOf(y)} bytes forced out of the reorder wait (deferred ${x.defer ? x.defer.bytes : 0} bytes, all flows ${this.budget.used})`, ts);
    const before = y.gapBytes;
    y.waitSince = -1;
    this.reasm.flushUntil(f, y, t, ts);
    this.stats.memcapDrops += y.gapBytes - before;
  }
}
