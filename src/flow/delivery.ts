// The per-direction delivery scheduler: where a segment's bytes go once its side's stream is
// anchored. It owns the two waits a byte can meet on its way to the sink, in front of each other:
// the causal window (CausalOrder: a segment that acknowledges peer bytes not delivered yet waits for
// them, golden README B3) and reassembly (Reassembler: holes, holdback, reorder-window timers). The
// table hands it each segment once (payload) and asks it once per segment or tick to bring both
// directions up to date (settle); closing flushes both (flush). Nothing else calls the two.
import type { FlowStats } from './types.js';
import { TcpFlags } from '../decode/types.js';
import { Phase, type FlowState, type HalfState } from './flow-state.js';
import type { HoldbackBudget } from './holdback.js';
import type { FlowEvents } from './events.js';
import { Reassembler } from './reassembler.js';
import { CausalOrder } from './causal.js';
import { isGreeting, lowerPortIsB } from './flow-info.js';
import { SEQ_JUMP_LIMIT, seqAdd, seqDiff, seqLt } from './seq.js';

export interface DeliveryLimits {
  /** flows.per_flow_holdback_kb in bytes. */
  perFlowHold: number;
  /** flows.reorder_window_ms in microseconds. */
  windowMicros: number;
  /** flows.retransmit_check_kb in bytes; 0 keeps nothing. */
  retainCap: number;
}

export class Delivery {
  readonly reasm: Reassembler;
  private readonly causal: CausalOrder;

  constructor(
    private readonly events: FlowEvents,
    stats: FlowStats,
    budget: HoldbackBudget,
    lim: DeliveryLimits,
  ) {
    this.reasm = new Reassembler(events, stats, budget, lim.perFlowHold, lim.windowMicros, lim.retainCap);
    this.causal = new CausalOrder(this.reasm, stats, budget, lim.perFlowHold);
  }

  /**
   * Payload and FIN of one segment from `s` (`start` after the SYN's slot; `data` BORROWED, the
   * captured prefix of `len` wire bytes), once s's stream is anchored or may be anchored here.
   */
  payload(f: FlowState, s: HalfState, p: HalfState, start: number, data: Buffer, len: number, flags: number, ack: number, ts: number): void {
    if (!s.hasSeq) {
      s.hasSeq = true;
      s.next = start;
    }
    if (f.phase === Phase.Pending) {
      // Midstream without a decisive SMTP port, on the first payload (see isGreeting).
      f.clientIsA = isGreeting(data) ? s !== f.a : lowerPortIsB(f);
      this.events.open(f);
    }
    if (len > 0) {
      // Causal order (CausalOrder.deferPayload): one comparison on the common path.
      const hasAck = (flags & TcpFlags.ACK) !== 0;
      if (!(hasAck && p.hasSeq && seqLt(p.next, ack))) this.reasm.onPayload(f, s, start, data, len, ts);
      else this.causal.deferPayload(f, s, p, start, data, len, ack >>> 0, ts);
    }
    if (flags & TcpFlags.FIN && !s.finSeen) {
      const d = seqDiff(start, s.next);
      if (d <= SEQ_JUMP_LIMIT && d >= -SEQ_JUMP_LIMIT) {
        s.finSeen = true;
        s.finSeq = seqAdd(start, len);
        if (!f.ignored) this.reasm.trimAfterFin(f, s, ts);
        // Not reassembled: holes before the FIN do not matter.
        if (f.ignored && seqDiff(s.finSeq, s.next) > 0) s.next = s.finSeq;
      }
    }
  }

  /** An ACK from `s` of `p`'s bytes: capture-loss accounting, the retransmission check, targets. */
  ack(s: HalfState, p: HalfState, ack: number): void {
    this.reasm.onAck(s, p, ack);
  }

  /**
   * Deferred segments whose barrier is met go now, both directions (x's bytes may unblock y's). Run
   * between segments replayed or accepted late, as after each live one: a met barrier must not be
   * taken for a mutual wait when the next segment is judged.
   */
  release(f: FlowState, ts: number): void {
    if (f.a.defer !== null || f.b.defer !== null) this.causal.releaseBoth(f, ts);
  }

  /** Reorder windows that ran out by `ts` close first (results do not depend on tick()), then releases. */
  expire(f: FlowState, ts: number): void {
    this.reasm.expire(f, f.a, f.b, ts);
    this.reasm.expire(f, f.b, f.a, ts);
    this.release(f, ts);
  }

  /**
   * After a segment or a tick: both directions up to date; true while a reorder-window timer runs.
   * The one settle loop of the flow stage: deferred segments whose barrier is met go, then each
   * direction's timer is armed. Only a zero reorder window expires a hole inside arm(); that moves
   * `next` and may meet more barriers, so the loop runs again until nothing is released. With a
   * window it runs once (arm moves nothing).
   */
  settle(f: FlowState, ts: number): boolean {
    const deferred = f.a.defer !== null || f.b.defer !== null;
    if (deferred) this.causal.releaseBoth(f, ts);
    for (;;) {
      const wa = this.reasm.arm(f, f.a, f.b, ts);
      const wb = this.reasm.arm(f, f.b, f.a, ts);
      if (!deferred || !this.causal.releaseBoth(f, ts)) return wa || wb;
    }
  }

  /** Both FINs seen and every byte before them delivered or gapped, nothing waiting. */
  finished(f: FlowState): boolean {
    const a = f.a;
    const b = f.b;
    if (a.defer !== null || b.defer !== null) return false;
    return a.finSeen && b.finSeen && a.next === a.finSeq && b.next === b.finSeq && (!a.hold || a.hold.count === 0) && (!b.hold || b.hold.count === 0);
  }

  /**
   * Close: holes that deferred bytes wait on become gaps first, then those bytes, then the rest;
   * the retransmission-check copies go. An ignored flow delivers nothing more and only drops.
   */
  flush(f: FlowState, ts: number): void {
    const c = f.client();
    const s = f.server();
    if (f.ignored) {
      this.reasm.dropHold(c);
      this.reasm.dropHold(s);
    } else {
      if (c.defer !== null || s.defer !== null) this.causal.flushDeferred(f, ts);
      this.reasm.flushAll(f, c, s, ts);
      this.reasm.flushAll(f, s, c, ts);
    }
    this.reasm.releaseKept(c);
    this.reasm.releaseKept(s);
  }

  /** Ignored: everything held is dropped, nothing more delivered. */
  drop(f: FlowState): void {
    this.reasm.dropHold(f.a);
    this.reasm.dropHold(f.b);
  }
}
