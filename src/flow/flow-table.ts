// The connection table, a conductor of named steps (issue 12 item 3). Each DecodedSegment
// (BORROWED) goes through them once, in this order:
//   lookup     (lookup.ts)     which connection: find, create, tombstones, room at max_flows/memcap
//   admission  (admission.ts)  late packets of a closing connection, RST validation, RST clipping
//   handshake  (handshake.ts)  SYNs, ACKs, roles, ISNs, and the wait for them (FlowState.early, K1)
//   delivery   (delivery.ts)   the per-direction scheduler: causal window and reassembly together
//   settle     (teardown.ts)   timers armed, a finished connection begins its close
// tick() runs the timers of teardown.ts (reorder windows, the close wait, idle, tombstones).
// Events leave through FlowEvents (events.ts), which also takes the sink's IGNORE verdicts; the held
// bytes of a flow ignored during a segment or tick are dropped here when that segment or tick ends.
import type { DecodedSegment } from '../decode/types.js';
import { TcpFlags } from '../decode/types.js';
import type { FlowsConfig } from '../config/types.js';
import type { FlowId, FlowStats, StreamSink } from './types.js';
import { emptyStats } from './flow-info.js';
import { Phase, type FlowState, type HalfState } from './flow-state.js';
import { Side } from './flow-key.js';
import { FlowIndex } from './flow-index.js';
import { HoldbackBudget } from './holdback.js';
import { Tombstones } from './tombstones.js';
import { RstWindows } from './closing.js';
import { WaitList } from './wait-list.js';
import { FlowEvents } from './events.js';
import { Delivery } from './delivery.js';
import { Handshake } from './handshake.js';
import { Teardown } from './teardown.js';
import { FlowLookup } from './lookup.js';
import { Admission, rstAcceptable } from './admission.js';
import { seqAdd } from './seq.js';
import { uidPrefix } from './uid.js';

export interface FlowTableOptions {
  flows: FlowsConfig;
  smtpPorts: readonly number[];
  /** Text between "C" and the flow number in every uid (flow/uid.ts); default: random. */
  uidPrefix?: string;
  /**
   * Bytes charged per open connection against flows.memcap_mb (default FLOW_STATE_BYTES); 0 for
   * tests of the held-byte caps with caps smaller than one connection's state.
   */
  flowStateBytes?: number;
}

/**
 * How long a FIN/RST-closed connection is remembered (packet time, at most idle_timeout_s), so
 * late retransmissions and ACKs of it do not open a new midstream flow. Long enough for the
 * final ACKs and retransmitted FINs (a few RTOs), short enough that port reuse after it is rare.
 * Every late packet extends it. Only a compact record is kept (Tombstones), never the FlowState.
 */
export const TOMBSTONE_MICROS = 30_000_000;

/** The bytes of a segment without payload (a bare FIN). */
const NO_BYTES = Buffer.alloc(0);

export class FlowTable {
  private readonly index = new FlowIndex();
  /** Closed connections; they count toward max_flows with the open ones. */
  private readonly tombs = new Tombstones();
  private readonly st = emptyStats();
  private readonly budget: HoldbackBudget;
  private readonly events: FlowEvents;
  private readonly delivery: Delivery;
  private readonly handshake: Handshake;
  private readonly teardown: Teardown;
  private readonly lookup: FlowLookup;
  private readonly admission: Admission;
  private readonly windowMicros: number;
  /** Inside onSegment/tick/closeAll: an ignore waits until the table is done (applyIgnores). */
  private busy = false;

  constructor(opts: FlowTableOptions, sink: StreamSink) {
    const fc = opts.flows;
    const windowMicros = fc.reorder_window_ms * 1000;
    const perFlowHold = fc.per_flow_holdback_kb * 1024;
    const idleMicros = fc.idle_timeout_s * 1_000_000;
    const tombMicros = Math.min(TOMBSTONE_MICROS, idleMicros);
    this.windowMicros = windowMicros;
    this.budget = opts.flowStateBytes === undefined ? new HoldbackBudget(fc.memcap_mb * 1024 * 1024) : new HoldbackBudget(fc.memcap_mb * 1024 * 1024, opts.flowStateBytes);
    // Built in dependency order: each step is handed the ones it calls, none is bound later.
    const waits = new WaitList();
    const rst = new RstWindows();
    this.events = new FlowEvents(sink, waits, opts.uidPrefix ?? uidPrefix(''));
    this.delivery = new Delivery(this.events, this.st, this.budget, { perFlowHold, windowMicros, retainCap: fc.retransmit_check_kb * 1024 });
    this.handshake = new Handshake(opts.smtpPorts, this.events, this.delivery, waits, this.budget, this.st, windowMicros, perFlowHold);
    this.teardown = new Teardown(this.events, this.delivery, this.handshake, waits, rst, this.index, this.tombs, this.budget, this.st, { windowMicros, idleMicros, tombMicros });
    this.lookup = new FlowLookup(this.index, this.tombs, this.budget, this.st, this.handshake, this.teardown, { maxFlows: fc.max_flows, windowMicros, tombMicros });
    this.admission = new Admission(this.delivery, rst);
  }

  onSegment(seg: DecodedSegment): void {
    this.busy = true;
    this.handle(seg);
    this.busy = false;
    if (this.events.ignored.length > 0) this.applyIgnores();
  }

  private handle(seg: DecodedSegment): void {
    const ts = seg.tsMicros;
    const flags = seg.flags;
    const f = this.lookup.find(seg);
    if (f === null) return; // a late packet of a connection closed recently
    const fromA = this.lookup.side === Side.A;
    // Closing, unless an RST came before the handshake was complete: then the SYN-ACK may still
    // come and anchor the held bytes, so packets go on below (bytes clipped to the RST's limits).
    if (!this.lookup.created && f.closing && (!f.early || (flags & TcpFlags.RST) !== 0)) {
      this.admission.late(f, fromA, seg, ts);
      return;
    }
    const s = fromA ? f.a : f.bHalf();
    const p = fromA ? f.b : f.a;
    s.seen = true;
    // Both ISNs unknown past the window: what waited is anchored and replayed first.
    if (f.early && ts - f.startMicros >= this.windowMicros) this.resolve(f, ts);
    if (f.waiting) {
      // Windows that ran out before this packet close first: results do not depend on tick().
      this.delivery.expire(f, ts);
      this.delivery.release(f, ts);
    }
    if ((flags & TcpFlags.RST) !== 0 && rstAcceptable(s, seg.seq)) {
      this.teardown.beginClose(f, 'rst', ts, fromA, seg);
      return;
    }
    const syn = (flags & TcpFlags.SYN) !== 0;
    if (syn) this.handshake.syn(f, s, p, fromA, seg);
    if ((flags & TcpFlags.ACK) !== 0) this.handshake.ack(s, p, seg.ack, syn);
    const start = syn ? seqAdd(seg.seq, 1) : seg.seq;
    if (seg.payloadLen > 0 || (flags & TcpFlags.FIN) !== 0) {
      // A bare FIN reads no payload: the decoder makes its view only when it is read (decode/segment.ts).
      if (!f.early) this.delivery.payload(f, s, p, start, seg.payloadLen > 0 ? seg.payload : NO_BYTES, seg.payloadLen, flags, seg.ack, ts);
      else this.early(f, fromA, s, p, start, seg, ts);
    }
    if (f.early) {
      // Both ISNs known and both sides seen: what waited goes now, in arrival order.
      if (!this.handshake.ready(f)) return;
      this.resolve(f, ts);
    }
    if (f.phase === Phase.Open && !f.ignored) this.teardown.settle(f, ts);
    else if (f.ignored && this.delivery.finished(f)) this.teardown.beginClose(f, 'fin', ts);
  }

  /** Payload or FIN of a connection waiting for the handshake: held, unless the caps refuse it. */
  private early(f: FlowState, fromA: boolean, s: HalfState, p: HalfState, start: number, seg: DecodedSegment, ts: number): void {
    const adm = this.admission;
    adm.clip(f, fromA, start, seg.payloadLen, seg.flags);
    const n = adm.len;
    const fl = adm.flags;
    if (n < 0 || (n === 0 && (fl & TcpFlags.FIN) === 0)) return;
    const data = n === 0 ? NO_BYTES : seg.payload.length > n ? seg.payload.subarray(0, n) : seg.payload;
    if (this.handshake.hold(f, fromA, start, data, n, fl, seg.ack, ts)) return;
    // The holdback caps are reached: anchor now with what is held, this segment goes on.
    this.resolve(f, ts);
    this.delivery.payload(f, s, p, start, data, n, fl, seg.ack, ts);
  }

  /** The handshake wait ends; replayed segments settle as after a live one. */
  private resolve(f: FlowState, ts: number): void {
    if (this.handshake.resolve(f, ts)) this.teardown.settle(f, ts);
  }

  tick(nowMicros: number): void {
    this.busy = true;
    this.teardown.expire(nowMicros);
    this.busy = false;
    if (this.events.ignored.length > 0) this.applyIgnores();
  }

  closeAll(reason: 'eof' | 'shutdown', nowMicros?: number): void {
    this.busy = true;
    this.teardown.closeAll(reason, nowMicros);
    this.busy = false;
    this.events.ignored.length = 0;
  }

  /**
   * Stops delivering a flow (as a sink's IGNORE verdict does); safe from inside the sink's onEvent:
   * the flag stops further data/gap/anomaly events at once, the held-back bytes are released when
   * the table is done with the current segment or tick.
   */
  ignore(flow: FlowId): void {
    const f = this.index.get(flow);
    if (!f || f.ignored) return;
    this.events.ignore(f);
    if (!this.busy) this.applyIgnores();
  }

  stats(): FlowStats {
    const s = this.st;
    return {
      ...s,
      flowsTotal: { ...s.flowsTotal },
      oneSided: { ...s.oneSided },
      holdbackBytes: this.budget.used,
      retainedBytes: this.budget.retained,
    };
  }

  /** The one place ignored flows lose what they hold (FlowEvents.ignore set the flag). */
  private applyIgnores(): void {
    const list = this.events.ignored;
    for (let i = 0; i < list.length; i++) {
      this.handshake.drop(list[i]!);
      this.delivery.drop(list[i]!);
    }
    list.length = 0;
  }
}
