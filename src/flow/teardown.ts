// The close and expiry step: when a connection ends and what its close event says. A FIN or RST
// close waits the reorder window after the latest packet (FlowState.closing, issue 13 item 9 K2/K3:
// late packets count toward `end`, bytes an RST allows may still arrive); idle timeouts, eviction
// (max_flows, flows.memcap_mb), end of input and shutdown close at once. Closing flushes what the
// Delivery scheduler holds (holes become gaps), emits the close with the summary and leaves a
// tombstone for FIN/RST closes. Also the settle after each segment or tick, which is where a
// connection is found finished (both FINs, every byte before them delivered).
import type { DecodedSegment } from '../decode/types.js';
import { TcpFlags } from '../decode/types.js';
import type { CloseReason, FlowStats } from './types.js';
import { Phase, type FlowState } from './flow-state.js';
import type { HoldbackBudget } from './holdback.js';
import type { FlowEvents } from './events.js';
import type { Delivery } from './delivery.js';
import type { Handshake } from './handshake.js';
import type { FlowIndex } from './flow-index.js';
import type { Tombstones } from './tombstones.js';
import type { WaitList } from './wait-list.js';
import type { RstWindows } from './closing.js';
import { buildSummary, lowerPortIsB } from './flow-info.js';

/** Least recently used flows examined for one that never carried a byte (bounds evictFlow()). */
const EVICT_SCAN = 32;

export interface TeardownTimes {
  windowMicros: number;
  idleMicros: number;
  tombMicros: number;
}

export class Teardown {
  constructor(
    private readonly events: FlowEvents,
    private readonly delivery: Delivery,
    private readonly handshake: Handshake,
    private readonly waits: WaitList,
    private readonly rst: RstWindows,
    private readonly index: FlowIndex,
    private readonly tombs: Tombstones,
    private readonly budget: HoldbackBudget,
    private readonly stats: FlowStats,
    private readonly times: TeardownTimes,
  ) {}

  /** After a segment or a tick: reorder-window timers, then the FIN close (RFC 9293 §3.6). */
  settle(f: FlowState, ts: number): void {
    if (this.delivery.settle(f, ts)) this.waits.add(f);
    else this.waits.remove(f);
    if (this.delivery.finished(f)) this.beginClose(f, 'fin', ts);
  }

  /**
   * The connection ended (both FINs delivered, or an acceptable RST). The close event waits for the
   * reorder window after the latest packet (K3: late packets count toward `end`; K2: bytes the RST
   * allows may still arrive); with a zero window it goes at once.
   */
  beginClose(f: FlowState, reason: 'fin' | 'rst', ts: number, rstFromA = false, rst: DecodedSegment | null = null): void {
    if (f.closing) return; // already waiting (an RST's close, its held bytes just replayed)
    if (this.times.windowMicros === 0) {
      this.close(f, reason, ts);
      return;
    }
    f.closing = true;
    f.closeRst = reason === 'rst';
    if (rst !== null) this.rst.set(f, { fromA: rstFromA, seq: rst.seq >>> 0, hasAck: (rst.flags & TcpFlags.ACK) !== 0, ack: rst.ack >>> 0 });
    this.waits.add(f);
  }

  /**
   * Ends a flow: held bytes become data and gaps, the close event carries the summary, and the
   * FlowState leaves the table (a FIN/RST close leaves a tombstone record instead).
   */
  close(f: FlowState, reason: CloseReason, ts: number): void {
    if (f.phase === Phase.Closed) return;
    // Evicted to make room: no tombstone either (it would take the room back).
    const keepTomb = reason !== 'evicted';
    // The connection had ended and only waited for late packets: its own reason stands, `fin` when
    // both FINs came whatever the order of an RST among them (in order, the FINs close it first).
    if (f.closing) reason = f.closeRst && !(f.a.finSeen && f.b.finSeen) ? 'rst' : 'fin';
    if (f.early) this.handshake.resolve(f, -1);
    if (f.phase === Phase.Pending) this.rolesByPort(f);
    // Both FINs seen: the connection ended normally, and only the reorder window (a hole before a
    // FIN, waiting for a copy the capture may still deliver) kept it open. End of input, shutdown
    // or an idle timeout cut that wait short; the holes become gaps below and the close is `fin`.
    // Eviction stays `evicted`: it is the table's own decision, counted to tune max_flows.
    if ((reason === 'eof' || reason === 'shutdown' || reason === 'idle') && f.a.finSeen && f.b.finSeen) reason = 'fin';
    this.delivery.flush(f, ts);
    this.waits.remove(f);
    if (f.closeRst) this.rst.delete(f);
    const summary = buildSummary(f);
    if (summary.oneSided !== null) {
      this.stats.oneSided[summary.oneSided]++;
      this.events.anomaly(f, 'flow_one_sided', summary.oneSided, ts);
    }
    this.events.close(f, reason, summary, ts);
    this.stats.flowsTotal[reason]++;
    this.stats.flowsActive--;
    f.phase = Phase.Closed;
    this.index.remove(f);
    this.budget.flowBytes -= this.budget.flowStateBytes;
    if (keepTomb && (reason === 'fin' || reason === 'rst')) this.tombs.add(f, (ts > f.lastMicros ? ts : f.lastMicros) + this.times.tombMicros);
  }

  /** Timers up to `now` (packet time): reorder windows, the handshake wait, closes, tombstones, idle flows. */
  expire(now: number): void {
    const windowMicros = this.times.windowMicros;
    for (const f of this.waits.flows) {
      if (f.closing) {
        if (now - f.lastMicros >= windowMicros) this.close(f, 'fin', f.lastMicros);
        continue;
      }
      if (f.early) {
        if (now - f.startMicros >= windowMicros && this.handshake.resolve(f, now)) this.settle(f, now);
        continue;
      }
      this.delivery.expire(f, now);
      this.settle(f, now);
    }
    this.tombs.expire(now);
    let f = this.index.lru.tail;
    while (f) {
      if (now - f.lastMicros < this.times.idleMicros) break;
      const prev = f.lruPrev;
      this.close(f, 'idle', now);
      f = prev;
    }
  }

  /** End of input or shutdown: every flow closes, least recently used first. */
  closeAll(reason: 'eof' | 'shutdown', now: number | undefined): void {
    let f = this.index.lru.tail;
    while (f) {
      const prev = f.lruPrev;
      this.close(f, reason, now ?? f.lastMicros);
      f = prev;
    }
    this.tombs.clear();
  }

  /** Closes the least recently used open flow (preferring one that never carried a byte) as `evicted`. */
  evictFlow(ts: number, why: string): void {
    let victim = this.index.lru.tail;
    if (!victim) return;
    let f: FlowState | null = victim;
    for (let n = 0; f !== null && n < EVICT_SCAN; n++, f = f.lruPrev) {
      if (carriedNothing(f) && !this.handshake.holds(f)) {
        victim = f;
        break;
      }
    }
    if (victim.early) this.handshake.resolve(victim, -1);
    if (victim.phase === Phase.Pending) this.rolesByPort(victim);
    // A connection that already ended and only waited for late packets is not cut short by this.
    if (!victim.closing) this.events.anomaly(victim, 'flow_evicted', why, ts);
    this.close(victim, 'evicted', ts);
  }

  /** Roles never decided (no SYN, no payload, no decisive port): the lower port is the server. */
  private rolesByPort(f: FlowState): void {
    f.clientIsA = lowerPortIsB(f);
    this.events.open(f);
  }
}

/** No payload byte delivered, missing or held in either direction (a SYN, a bare handshake); bytes held before the handshake (EarlyQueue) are checked by the caller. */
function carriedNothing(f: FlowState): boolean {
  const a = f.a;
  const b = f.b;
  if (a.delivered !== 0 || b.delivered !== 0 || a.gapBytes !== 0 || b.gapBytes !== 0) return false;
  if (a.defer !== null || b.defer !== null) return false;
  return (a.hold === null || a.hold.count === 0) && (b.hold === null || b.hold.count === 0);
}
