// Per-direction TCP reassembly for open flows: in-order delivery of BORROWED views, out-of-order
// holdback, retransmission/overlap handling, holes turned into exact-length gaps (memcap, ACK plus
// reorder window, close), and the capture-loss estimate. Consumes segments from the Delivery
// scheduler (delivery.ts, which also owns the causal window in front of it); produces data/gap/anomaly
// events through FlowEvents.
import type { AnomalyCode } from '../shared/anomalies.js';
import type { FlowStats } from './types.js';
import type { FlowEvents } from './events.js';
import type { FlowState, HalfState } from './flow-state.js';
import { Holdback, type HoldbackBudget } from './holdback.js';
import { RetainedPool } from './retained.js';
import { SEQ_JUMP_LIMIT, seqAdd, seqDiff, seqGt, seqLt } from './seq.js';

export class Reassembler {
  constructor(
    private readonly events: FlowEvents,
    private readonly stats: FlowStats,
    private readonly budget: HoldbackBudget,
    private readonly perFlowCap: number,
    private readonly windowMicros: number,
    /** flows.retransmit_check_kb in bytes; 0 keeps nothing. */
    private readonly retainCap = 0,
  ) {
    this.retainPool = new RetainedPool(budget, retainCap);
  }

  /** Stores of delivered, unacknowledged bytes (Retained), reused across connections. */
  private readonly retainPool: RetainedPool;

  /**
   * Payload of one segment from `h`: [start, start + len) on the wire, `data` the captured
   * (BORROWED) prefix. `h.hasSeq` must be set.
   */
  onPayload(f: FlowState, h: HalfState, start: number, data: Buffer, len: number, ts: number): void {
    const d0 = seqDiff(start, h.next);
    if (d0 > SEQ_JUMP_LIMIT || d0 < -SEQ_JUMP_LIMIT) {
      this.anomaly(f, 'flow_seq_jump', `segment ${d0} bytes from the expected sequence ignored`, ts);
      return;
    }
    if (h.finSeen) {
      // RFC 9293 §3.10.7.4: after its FIN a sender has no more stream data; text beyond the FIN's
      // sequence number (its own slot included) is ignored by the receiver, so it must not be
      // parsed here either (an IDS that reads it sees a command the server never did).
      const over = seqDiff(seqAdd(start, len), h.finSeq);
      if (over > 0) {
        this.afterFin(f, h, over < len ? over : len, ts);
        if (over >= len) return;
        len -= over;
        if (data.length > len) data = data.subarray(0, len);
      }
    }
    if (f.ignored) {
      // Not SMTP: no reassembly, only the byte count of the highest data seen.
      const d = seqDiff(seqAdd(start, len), h.next);
      if (d > 0) {
        h.delivered += d;
        h.next = seqAdd(start, len);
      }
      return;
    }
    let cap = data.length < len ? data.length : len;
    if (cap < len && !f.truncatedReported) {
      f.truncatedReported = true;
      this.anomaly(f, 'flow_truncated_segment', `${len - cap} of ${len} payload bytes not captured`, ts);
    }
    let first = true;
    for (;;) {
      const d = seqDiff(start, h.next);
      if (d < 0) {
        // Bytes before `next` were delivered; those not acknowledged yet are kept (Retained).
        const off = -d;
        // Delivered bytes still unacknowledged were kept: a copy that differs is the evasion of
        // one copy for the IDS, another for the host (first copy wins: it was delivered). Only on
        // the first pass: later passes hold bytes the holdback already compared.
        const kept = h.kept;
        if (first && kept !== null && kept.bytes > 0 && kept.differs(start, data.subarray(0, off < cap ? off : cap))) this.mismatch(f, h, ts);
        if (off >= len) {
          if (first) this.stats.retransmit++;
          return;
        }
        if (first) this.stats.overlap++;
        start = h.next;
        data = off < cap ? data.subarray(off, cap) : data.subarray(0, 0);
        cap = data.length;
        len -= off;
      }
      first = false;
      if (seqDiff(start, h.next) === 0) {
        const hold = h.hold;
        const room = hold && hold.count > 0 ? seqDiff(hold.firstSeq(), h.next) : len;
        if (room >= len) {
          this.deliverInOrder(f, h, data, cap, len, ts);
          if (hold && hold.count > 0) this.drain(f, h);
          return;
        }
        // The segment runs into held-back bytes, which arrived first and win: deliver up to them,
        // let the holdback compare and keep what is new, then drain.
        const headCap = room < cap ? room : cap;
        this.deliverInOrder(f, h, data.subarray(0, headCap), headCap, room, ts);
        const rest = data.subarray(headCap, cap);
        const r = hold!.insert(h.next, rest, len - room, ts);
        if (r !== 'full' && hold!.overlapped) this.stats.overlap++;
        if (r !== 'full' && hold!.mismatch) this.mismatch(f, h, ts);
        this.drain(f, h);
        start = seqAdd(start, room);
        data = rest;
        cap = rest.length;
        len -= room;
        continue;
      }
      // Ahead of `next`: hold back (copied) until the hole fills or is declared a gap.
      const hold = (h.hold ??= new Holdback(this.budget, this.perFlowCap));
      const r = hold.insert(start, data.subarray(0, cap), len, ts);
      if (r === 'held') {
        this.stats.outOfOrder++;
        if (hold.overlapped) this.stats.overlap++;
        if (hold.mismatch) this.mismatch(f, h, ts);
        return;
      }
      if (r === 'dup') {
        this.stats.retransmit++;
        if (hold.mismatch) this.mismatch(f, h, ts);
        return;
      }
      // A cap refused it: the oldest hole becomes a gap, freeing held bytes, and we retry.
      const firstHeld = hold.count > 0 ? hold.firstSeq() : start;
      const to = seqLt(start, firstHeld) ? start : firstHeld;
      const missing = seqDiff(to, h.next);
      this.stats.memcapDrops += missing;
      this.anomaly(f, 'flow_memcap', `${missing} bytes declared missing (holdback ${hold.bytes} bytes, all flows ${this.budget.used})`, ts);
      this.gap(f, h, missing, ts);
      this.drain(f, h);
    }
  }

  /**
   * `h`'s FIN was just recorded: held bytes at or beyond its sequence number arrived before it
   * (reordered) and are not stream data either. They are dropped before anything waits on them.
   */
  trimAfterFin(f: FlowState, h: HalfState, ts: number): void {
    const hold = h.hold;
    if (hold === null) return;
    const n = hold.truncateFrom(h.finSeq);
    if (n > 0) this.afterFin(f, h, n, ts);
    if (hold.count === 0) h.hold = null;
  }

  /** Bytes beyond a FIN ignored: one anomaly per connection (a flood of them is one fact, counted once). */
  private afterFin(f: FlowState, h: HalfState, n: number, ts: number): void {
    if (f.afterFinReported) return;
    f.afterFinReported = true;
    this.anomaly(f, 'flow_data_after_fin', `${n} ${f.dirOf(h)} bytes beyond the FIN ignored`, ts);
  }

  /** An ACK from `x`, acknowledging `y`'s bytes: capture-loss accounting and the ACK-beyond-hole target. */
  onAck(x: HalfState, y: HalfState, ack: number): void {
    const kept = y.kept;
    if (kept !== null) {
      // An absurd ACK (forged or stale, as for flow_seq_jump) must not empty the check.
      const d = seqDiff(ack, y.next);
      // Kept bytes were delivered, so they all lie below y.next: an ACK at or past it acknowledges
      // every one of them, and the store goes back whole without walking its runs. This is nearly
      // every ACK of request/response traffic, and the walk (ackTo) cost ~5% of `mailtap flows` on
      // `many` (issue 12 item 6).
      if (d >= 0 && d <= SEQ_JUMP_LIMIT) kept.clear();
      else if (d >= -SEQ_JUMP_LIMIT && d < 0) kept.ackTo(ack);
      // All acknowledged: the store goes too, so an idle connection keeps nothing (issue 13 item 12).
      if (kept.bytes === 0) {
        this.retainPool.give(kept);
        y.kept = null;
      }
    }
    if (!x.hasAck) {
      x.hasAck = true;
      x.lastAck = ack;
      return;
    }
    const adv = seqDiff(ack, x.lastAck);
    if (adv <= 0 || adv > SEQ_JUMP_LIMIT) return;
    const from = x.lastAck;
    x.lastAck = ack;
    let counted = adv;
    // The FIN occupies one sequence number but is not payload.
    if (y.finSeen && seqDiff(y.finSeq, from) >= 0 && seqLt(y.finSeq, ack)) counted--;
    this.stats.ackedBytes += counted;
    // Acknowledged bytes that were already declared missing (the newest gap): never seen.
    const lo = seqGt(y.lastGapStart, from) ? y.lastGapStart : from;
    const hi = seqLt(y.lastGapEnd, ack) ? y.lastGapEnd : ack;
    const miss = seqDiff(hi, lo);
    if (miss > 0) this.stats.ackedMissingBytes += miss;
  }

  /**
   * How far `y`'s bytes are known to exist: the peer's ACK (not past y's FIN) or y's FIN; when
   * the peer was never seen (one-sided capture: no ACK will ever come), the first held byte.
   * Equal to y.next when nothing is known missing.
   */
  target(y: HalfState, x: HalfState): number {
    let t = y.next;
    // A side never captured (a one-sided feed) lost nothing on this link: the peer's ACKs of its
    // bytes are not gaps (issue 13). Seen once (its SYN), its missing bytes are gaps again.
    if (x.hasAck && y.hasSeq && y.seen) {
      const d = seqDiff(x.lastAck, t);
      if (d > 0 && d <= SEQ_JUMP_LIMIT) t = x.lastAck;
      if (y.finSeen && seqGt(t, y.finSeq)) t = y.finSeq;
    }
    if (y.finSeen && seqGt(y.finSeq, t)) t = y.finSeq;
    if (!x.seen && y.hold && y.hold.count > 0 && seqGt(y.hold.firstSeq(), t)) t = y.hold.firstSeq();
    // y's own deferred bytes exist (they wait on x): a hole only reaches up to them.
    if (y.defer !== null && y.defer.count > 0) {
      const m = y.defer.minSeq();
      if (seqLt(m, t)) t = seqLt(m, y.next) ? y.next : m;
    }
    return t;
  }

  /** Reorder window expired for `y`'s hole: declare it a gap up to the known target. */
  expire(f: FlowState, y: HalfState, x: HalfState, ts: number): void {
    if (y.waitSince >= 0 && ts - y.waitSince >= this.windowMicros) {
      y.waitSince = -1;
      this.flushUntil(f, y, this.target(y, x), ts);
    }
  }

  /** Starts (or stops) `y`'s reorder-window timer; true while it runs. */
  arm(f: FlowState, y: HalfState, x: HalfState, ts: number): boolean {
    if (!y.hasSeq || !seqLt(y.next, this.target(y, x))) {
      if (y.waitSince >= 0) y.waitSince = -1; // never written when unset: y may be ABSENT_HALF
      return false;
    }
    if (y.waitSince < 0) y.waitSince = ts;
    if (this.windowMicros === 0) this.expire(f, y, x, ts);
    return y.waitSince >= 0;
  }

  /** Close: every hole up to the target and the held data become gaps and data; holdback released. */
  flushAll(f: FlowState, y: HalfState, x: HalfState, ts: number): void {
    if (!y.hasSeq) return; // nothing sent, nothing held: also ABSENT_HALF, which must not be written
    y.waitSince = -1;
    this.flushUntil(f, y, this.target(y, x), ts);
    const hold = y.hold;
    if (hold) {
      while (hold.count > 0) {
        this.gap(f, y, seqDiff(hold.firstSeq(), y.next), ts);
        this.drain(f, y);
      }
      y.hold = null;
    }
  }

  /** Close: the bytes kept for the retransmission check are released. */
  releaseKept(y: HalfState): void {
    if (y.kept !== null) {
      this.retainPool.give(y.kept);
      y.kept = null;
    }
  }

  /** ignore(): drop the holdback, deliver nothing more. */
  dropHold(y: HalfState): void {
    this.releaseKept(y);
    if (y.defer) {
      y.defer.clear();
      y.defer = null;
    }
    if (y.hold) {
      y.hold.clear();
      y.hold = null;
    }
    if (y.waitSince >= 0) y.waitSince = -1;
  }

  /** y's holes below `target` become gaps, held data between them delivered (close, expiry, CausalOrder). */
  flushUntil(f: FlowState, y: HalfState, target: number, ts: number): void {
    const hold = y.hold;
    while (seqLt(y.next, target)) {
      if (hold && hold.count > 0 && seqLt(hold.firstSeq(), target)) {
        this.gap(f, y, seqDiff(hold.firstSeq(), y.next), ts);
        this.drain(f, y);
      } else {
        this.gap(f, y, seqDiff(target, y.next), ts);
      }
    }
    this.drain(f, y);
  }

  /** Delivers held ranges that start at `next`. */
  private drain(f: FlowState, h: HalfState): void {
    const hold = h.hold;
    if (!hold) return;
    while (hold.count > 0) {
      const d = seqDiff(hold.firstSeq(), h.next);
      if (d > 0) break;
      const len = hold.firstLen();
      const buf = hold.firstBuf();
      // The bytes keep their own packet time (an event's `ts` is that of its first packet), not
      // the time of the segment that filled the hole before them.
      const at = hold.firstTs();
      const skip = -d; // defensive: held bytes are never below next
      if (skip < len) {
        if (buf) this.data(f, h, skip > 0 ? buf.subarray(skip) : buf, at);
        else this.gap(f, h, len - skip, at);
        if (buf) h.next = seqAdd(h.next, len - skip);
      }
      hold.dropFirst();
    }
    // Out-of-order episodes are short: the store is dropped once empty (per-flow memory).
    if (hold.count === 0) h.hold = null;
  }

  private deliverInOrder(f: FlowState, h: HalfState, data: Buffer, cap: number, len: number, ts: number): void {
    if (cap > 0) {
      this.data(f, h, data.length === cap ? data : data.subarray(0, cap), ts);
      h.next = seqAdd(h.next, cap);
    }
    if (cap < len) this.gap(f, h, len - cap, ts);
  }

  private data(f: FlowState, h: HalfState, bytes: Buffer, ts: number): void {
    // Kept until the peer ACKs them (retransmission check), only when a peer was seen: on a
    // one-sided capture no ACK comes and the copies would only fill the cap.
    if (this.retainCap > 0 && !f.ignored && (h === f.a ? f.b : f.a).seen) {
      const kept = (h.kept ??= this.retainPool.take());
      this.stats.retainDroppedBytes += kept.add(h.next, bytes);
    }
    h.delivered += bytes.length;
    this.events.data(f, h, bytes, ts);
  }

  /** `len` bytes at `next` will never be seen. Advances next. */
  private gap(f: FlowState, h: HalfState, len: number, ts: number): void {
    if (len <= 0) return;
    const start = h.next;
    h.next = seqAdd(start, len);
    h.gapBytes += len;
    h.lastGapStart = start;
    h.lastGapEnd = h.next;
    this.stats.gaps++;
    this.stats.gapBytes += len;
    const peer = h === f.a ? f.b : f.a;
    if (peer.hasAck) {
      const acked = seqDiff(peer.lastAck, start);
      if (acked > 0) this.stats.ackedMissingBytes += acked < len ? acked : len;
    }
    this.events.gap(f, h, len, ts);
  }

  private mismatch(f: FlowState, h: HalfState, ts: number): void {
    this.stats.overlapMismatch++;
    this.anomaly(f, 'flow_overlap_mismatch', `${f.dirOf(h)} bytes differ from the first copy`, ts);
  }

  anomaly(f: FlowState, name: AnomalyCode, detail: string, ts: number): void {
    this.events.anomaly(f, name, detail, ts);
  }
}
