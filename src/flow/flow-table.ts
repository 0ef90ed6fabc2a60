// The connection table: finds or creates the FlowState of each DecodedSegment (FlowIndex: numeric
// key, collision chains, LRU), evicts at max_flows, expires idle flows and the compact tombstones
// left by FIN/RST, decides client and server, tracks SYN/FIN/RST and ACKs, and emits open/close
// around the Reassembler's data/gap events. Consumes DecodedSegment (BORROWED), produces StreamEvents.
import type { DecodedSegment } from '../decode/types.js';
import { TcpFlags, tunnelList } from '../decode/types.js';
import type { FlowsConfig } from '../config/types.js';
import type { CloseReason, FlowId, FlowStats, StreamSink } from './types.js';
import { buildOpenInfo, buildSummary, emptyStats, isGreeting, lowerPortIsB } from './flow-info.js';
import { FlowState, Phase, type HalfState } from './flow-state.js';
import { Side, hashSegment } from './flow-key.js';
import { FlowIndex } from './flow-index.js';
import { HoldbackBudget } from './holdback.js';
import { Reassembler } from './reassembler.js';
import { CausalOrder } from './causal.js';
import { EarlyQueue } from './early.js';
import { ownSyn, rstClip, type RstWindow } from './closing.js';
import { SEQ_JUMP_LIMIT, seqAdd, seqDiff, seqLt } from './seq.js';
import { Tombstones } from './tombstones.js';
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

const EMPTY_VLAN: number[] = [];


export class FlowTable {
  private readonly index = new FlowIndex();
  /** Closed connections; they count toward max_flows with the open ones. */
  private readonly tombs = new Tombstones();
  /** Flows with a running reorder-window timer (usually few), scanned by tick(). */
  private readonly waiting = new Set<FlowState>();
  /** Payload of flows still waiting for a side's ISN (FlowState.early), only while they hold some. */
  private readonly earlyQ = new Map<FlowState, EarlyQueue>();
  /** Flows closing by an RST (FlowState.closeRst): what may still arrive. */
  private readonly rstWin = new Map<FlowState, RstWindow>();
  private readonly windowMicros: number;
  private readonly perFlowHold: number;
  /** Set by rstClip: the segment's FIN lies within what the RST allows. */
  private readonly clip = { fin: false };
  private readonly smtpPort = new Uint8Array(65536);
  private readonly st = emptyStats();
  private readonly budget: HoldbackBudget;
  private readonly reasm: Reassembler;
  private readonly causal: CausalOrder;
  private readonly maxFlows: number;
  private readonly idleMicros: number;
  private readonly tombMicros: number;
  private nextId = 1;
  private readonly uidPrefix: string;
  /** Inside onSegment/tick/closeAll: ignore() from the sink waits until the table is done. */
  private busy = false;
  private readonly deferredIgnores: FlowState[] = [];

  constructor(opts: FlowTableOptions, private readonly sink: StreamSink) {
    const fc = opts.flows;
    for (const p of opts.smtpPorts) if (p >= 0 && p < 65536) this.smtpPort[p] = 1;
    this.budget = opts.flowStateBytes === undefined ? new HoldbackBudget(fc.memcap_mb * 1024 * 1024) : new HoldbackBudget(fc.memcap_mb * 1024 * 1024, opts.flowStateBytes);
    this.reasm = new Reassembler(sink, this.st, this.budget, fc.per_flow_holdback_kb * 1024, fc.reorder_window_ms * 1000, fc.retransmit_check_kb * 1024);
    this.causal = new CausalOrder(this.reasm, this.st, this.budget, fc.per_flow_holdback_kb * 1024);
    this.maxFlows = fc.max_flows;
    this.windowMicros = fc.reorder_window_ms * 1000;
    this.perFlowHold = fc.per_flow_holdback_kb * 1024;
    this.idleMicros = fc.idle_timeout_s * 1_000_000;
    this.tombMicros = Math.min(TOMBSTONE_MICROS, this.idleMicros);
    this.uidPrefix = opts.uidPrefix ?? uidPrefix('');
  }

  onSegment(seg: DecodedSegment): void {
    this.busy = true;
    this.handle(seg);
    this.busy = false;
    if (this.deferredIgnores.length > 0) this.applyIgnores();
  }

  private handle(seg: DecodedSegment): void {
    const ts = seg.tsMicros;
    const flags = seg.flags;
    const hash = hashSegment(seg);
    let f = this.index.find(seg, hash);
    let side: Side = this.index.side;
    // A connection waiting to close goes when the window after its latest packet has passed, or
    // when a new SYN reuses its 4-tuple; the packet then meets its tombstone below.
    if (f && f.closing && (ts - f.lastMicros >= this.windowMicros || ((flags & (TcpFlags.SYN | TcpFlags.ACK)) === TcpFlags.SYN && !ownSyn(f, side, seg.seq)))) {
      this.close(f, 'fin', f.lastMicros);
      f = null;
    }
    if (!f) {
      const t = this.tombs.find(seg, hash);
      if (t >= 0) {
        // A new SYN reuses the 4-tuple: a new connection. Anything else belongs to the closed one,
        // until its record expires (checked here too, so results do not depend on tick()).
        if (ts < this.tombs.expiresAt(t) && (flags & (TcpFlags.SYN | TcpFlags.ACK)) !== TcpFlags.SYN) {
          this.tombs.refresh(t, ts + this.tombMicros);
          return;
        }
        this.tombs.delete(t);
      }
      f = this.create(seg, hash, ts);
      side = Side.A;
    } else {
      // The latest packet time, not the last packet's: capture timestamps can go backwards
      // (merged or crafted captures), and `end` must not precede `start` or any packet.
      if (ts > f.lastMicros) f.lastMicros = ts;
      if (ts < f.startMicros) f.startMicros = ts;
      this.index.lru.touch(f);
      // Closing, unless an RST came before the handshake was complete: then the SYN-ACK may still
      // come and anchor the held bytes, so packets go on below (bytes clipped to the RST's limits).
      if (f.closing && (!f.early || (flags & TcpFlags.RST) !== 0)) {
        this.late(f, side, seg, ts);
        return;
      }
    }
    const s = side === Side.A ? f.a : f.bHalf();
    const p = side === Side.A ? f.b : f.a;
    s.seen = true;
    // Both ISNs unknown past the window: what waited is anchored and replayed first.
    if (f.early && ts - f.startMicros >= this.windowMicros) this.resolve(f, ts);
    if (f.waiting) {
      // Windows that ran out before this packet close first: results do not depend on tick().
      this.reasm.expire(f, f.a, f.b, ts);
      this.reasm.expire(f, f.b, f.a, ts);
      if (f.a.defer !== null || f.b.defer !== null) this.causal.releaseBoth(f, ts);
    }
    if (flags & TcpFlags.RST) {
      // A reset far outside the sender's sequence space is forged or stale (RFC 5961 §3 checks
      // the window; we only reject the absurd, as for data): it must not end the tracking.
      const d = seqDiff(seg.seq, s.next);
      if (!s.hasSeq || (d <= SEQ_JUMP_LIMIT && d >= -SEQ_JUMP_LIMIT)) {
        this.beginClose(f, 'rst', ts, side === Side.A, seg);
        return;
      }
    }
    const syn = (flags & TcpFlags.SYN) !== 0;
    if (syn) {
      if (f.phase === Phase.Pending) {
        // The handshake after a stray packet: it started now, roles from the SYN.
        f.midstream = false;
        f.clientIsA = (side === Side.A) === ((flags & TcpFlags.ACK) === 0);
        this.open(f);
      }
      if (!s.hasSeq) {
        s.hasSeq = true;
        s.next = seqAdd(seg.seq, 1);
      } else if (s.untouched && seqAdd(seg.seq, 1) !== s.next) {
        // A SYN (or SYN-ACK) retransmitted with a new ISN: which one numbers the data is decided
        // by the peer's ACK of the handshake (followHandshake), not by capture order.
        s.altNext = seqAdd(seg.seq, 1);
        s.hasAlt = true;
      }
      // A SYN-ACK acknowledges the client's SYN: the client's first data byte is known even when
      // the SYN was not captured, so a lost first segment is a gap, not silently skipped.
      if ((flags & TcpFlags.ACK) !== 0 && !p.hasSeq) {
        const q = side === Side.A ? f.bHalf() : p;
        q.hasSeq = true;
        q.next = seg.ack >>> 0;
      }
    }
    if (flags & TcpFlags.ACK) {
      if (p.hasAlt) this.followHandshake(p, seg.ack, syn);
      this.reasm.onAck(s, p, seg.ack);
    }
    const start = syn ? seqAdd(seg.seq, 1) : seg.seq;
    const len = seg.payloadLen;
    if (len > 0 || (flags & TcpFlags.FIN) !== 0) {
      if (!f.early) this.payload(f, s, p, start, seg.payload, len, flags, seg.ack, ts);
      else {
        let n = len;
        let fl = flags;
        if (f.closing) {
          n = this.rstClip(f, side === Side.A, start, len, (flags & TcpFlags.FIN) !== 0);
          fl = (flags & ~TcpFlags.FIN) | (this.clip.fin ? TcpFlags.FIN : 0);
        }
        const data = n >= 0 && seg.payload.length > n ? seg.payload.subarray(0, n) : seg.payload;
        if (n >= 0 && (n > 0 || (fl & TcpFlags.FIN) !== 0) && !this.hold(f, side === Side.A, start, data, n, fl, seg.ack, ts)) {
          // The holdback caps are reached: anchor now with what is held, this segment goes on.
          this.resolve(f, ts);
          this.payload(f, s, p, start, data, n, fl, seg.ack, ts);
        }
      }
    }
    if (f.early) {
      // Both ISNs known and both sides seen (until then an ACK of the peer's bytes cannot make a
      // segment wait for them: CausalOrder trusts only a peer that was captured): what waited goes
      // now, in arrival order.
      if (!f.a.hasSeq || !f.b.hasSeq || !f.a.seen || !f.b.seen) return;
      this.resolve(f, ts);
    }
    if (f.phase === Phase.Open && !f.ignored) this.settle(f, ts);
    else if (f.ignored && this.finished(f)) this.beginClose(f, 'fin', ts);
  }

  /** Payload and FIN of one segment from `s` (`start` after the SYN's slot), once s's stream is anchored or may be. */
  private payload(f: FlowState, s: HalfState, p: HalfState, start: number, data: Buffer, len: number, flags: number, ack: number, ts: number): void {
    if (!s.hasSeq) {
      s.hasSeq = true;
      s.next = start;
    }
    if (f.phase === Phase.Pending) this.decideRoles(f, s, data);
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

  /** K1: keeps a segment of an early flow (copied); false when the holdback caps refuse it. */
  private hold(f: FlowState, fromA: boolean, start: number, data: Buffer, len: number, flags: number, ack: number, ts: number): boolean {
    let q = this.earlyQ.get(f);
    if (q === undefined) {
      q = new EarlyQueue(this.budget, this.perFlowHold);
      this.earlyQ.set(f, q);
      // tick() must end the wait even when no further packet of this flow comes.
      if (!f.waiting) {
        f.waiting = true;
        this.waiting.add(f);
      }
    }
    if (!q.push(fromA, start, data, len, ack >>> 0, flags, ts)) return false;
    this.st.outOfOrder++;
    return true;
  }

  /**
   * Ends the wait for the ISNs (both known, the window passed, a cap reached, an RST, the close):
   * roles of a connection without a SYN are decided on what each side sent first in sequence order,
   * a side still without an ISN starts at the lowest byte it holds (a midstream pickup of that side),
   * and the held segments are replayed in arrival order through the normal path, which orders them.
   */
  private resolve(f: FlowState, ts: number): void {
    f.early = false;
    const q = this.earlyQ.get(f);
    if (q !== undefined) this.earlyQ.delete(f);
    if (f.phase === Phase.Pending) {
      const pa = this.smtpPort[f.portA] === 1;
      const pb = this.smtpPort[f.portB] === 1;
      if (pa !== pb) {
        f.clientIsA = pb;
        this.open(f);
      } else if (q !== undefined && q.count > 0) {
        const la = q.lowest(true);
        const lb = q.lowest(false);
        if (la >= 0 && isGreeting(q.bufs[la]!)) f.clientIsA = false;
        else if (lb >= 0 && isGreeting(q.bufs[lb]!)) f.clientIsA = true;
        else f.clientIsA = lowerPortIsB(f);
        this.open(f);
      }
    }
    if (q === undefined) return;
    if (!f.a.hasSeq) this.anchor(f.a, q, true);
    if (!f.b.hasSeq && q.lowest(false) >= 0) this.anchor(f.bHalf(), q, false);
    q.release();
    for (let i = 0; i < q.count; i++) {
      const fromA = q.sideA[i] === 1;
      const s = fromA ? f.a : f.bHalf();
      this.payload(f, s, fromA ? f.b : f.a, q.seqs[i]!, q.bufs[i]!, q.lens[i]!, q.flags[i]!, q.acks[i]!, q.tss[i]!);
      // As after each live segment (settle): what waited on these bytes goes before the next one
      // is judged, else CausalOrder takes a met barrier for a mutual wait.
      if (f.a.defer !== null || f.b.defer !== null) this.causal.releaseBoth(f, q.tss[i]!);
    }
    q.clear();
    if (!f.ignored && f.phase === Phase.Open && ts >= 0) this.settle(f, ts);
  }

  private anchor(h: HalfState, q: EarlyQueue, sideA: boolean): void {
    const i = q.lowest(sideA);
    if (i < 0) return;
    h.hasSeq = true;
    h.next = q.seqs[i]!;
  }

  /**
   * A packet of a connection waiting to close (K2/K3): its time already counts toward `end`; bytes
   * an RST allows still go through reassembly, anything else is dropped as a late packet.
   */
  private late(f: FlowState, side: Side, seg: DecodedSegment, ts: number): void {
    const fin = (seg.flags & TcpFlags.FIN) !== 0;
    if (!f.closeRst || (seg.flags & (TcpFlags.SYN | TcpFlags.RST)) !== 0) return;
    const fromA = side === Side.A;
    const s = fromA ? f.a : f.bHalf();
    const p = fromA ? f.b : f.a;
    // Its ACK orders the bytes still allowed, as for a live packet (CausalOrder trusts only ACKs
    // onAck took).
    if ((seg.flags & TcpFlags.ACK) !== 0) this.reasm.onAck(s, p, seg.ack);
    if (seg.payloadLen === 0 && !fin) return;
    const len = this.rstClip(f, fromA, seg.seq, seg.payloadLen, fin);
    if (len < 0) return;
    const flags = (seg.flags & TcpFlags.ACK) | (this.clip.fin ? TcpFlags.FIN : 0);
    if (!s.hasSeq) return; // nothing of that side was anchored before the RST: no stream to add to
    const data = seg.payload.length > len ? seg.payload.subarray(0, len) : seg.payload;
    this.payload(f, s, p, seg.seq, data, len, flags, seg.ack, ts);
    if (s.defer !== null || p.defer !== null) this.causal.releaseBoth(f, ts);
  }

  /** rstClip() for this flow's RST (none: -1); clip.fin says whether the segment's FIN counts. */
  private rstClip(f: FlowState, fromA: boolean, seq: number, len: number, fin: boolean): number {
    return rstClip(this.rstWin.get(f), fromA, seq, len, fin, this.clip);
  }

  /**
   * The connection ended (both FINs delivered, or an acceptable RST). The close event waits for the
   * reorder window after the latest packet (K3: late packets count toward `end`; K2: bytes the RST
   * allows may still arrive); with a zero window it goes at once.
   */
  private beginClose(f: FlowState, reason: 'fin' | 'rst', ts: number, rstFromA = false, rst: DecodedSegment | null = null): void {
    if (f.closing) return; // already waiting (an RST's close, its held bytes just replayed)
    if (this.windowMicros === 0) {
      this.close(f, reason, ts);
      return;
    }
    f.closing = true;
    f.closeRst = reason === 'rst';
    if (rst !== null) this.rstWin.set(f, { fromA: rstFromA, seq: rst.seq >>> 0, hasAck: (rst.flags & TcpFlags.ACK) !== 0, ack: rst.ack >>> 0 });
    if (!f.waiting) {
      f.waiting = true;
      this.waiting.add(f);
    }
  }

  /**
   * `h` sent SYNs with two ISNs and nothing of its stream moved yet: the peer's ACK names the one
   * its handshake completed with (RFC 9293 §3.5: the SYN-ACK acknowledges exactly one SYN, the
   * final ACK exactly one SYN-ACK). An ACK of the other candidate swaps them; a SYN-ACK (`synAck`)
   * is trusted even for an ISN whose SYN was not captured, as for a SYN-ACK seen without its SYN.
   * A plain ACK for any other number changes nothing: one stray ACK must not re-number a stream.
   */
  private followHandshake(h: HalfState, ack: number, synAck: boolean): void {
    if (!h.untouched) {
      h.hasAlt = false;
      return;
    }
    const a = ack >>> 0;
    if (a === h.next) return;
    if (a === h.altNext || synAck) {
      h.altNext = h.next;
      h.next = a;
    }
  }

  tick(nowMicros: number): void {
    this.busy = true;
    this.expireAll(nowMicros);
    this.busy = false;
    if (this.deferredIgnores.length > 0) this.applyIgnores();
  }

  private expireAll(nowMicros: number): void {
    for (const f of this.waiting) {
      if (f.closing) {
        if (nowMicros - f.lastMicros >= this.windowMicros) this.close(f, 'fin', f.lastMicros);
        continue;
      }
      if (f.early) {
        if (nowMicros - f.startMicros >= this.windowMicros) this.resolve(f, nowMicros);
        continue;
      }
      this.reasm.expire(f, f.a, f.b, nowMicros);
      this.reasm.expire(f, f.b, f.a, nowMicros);
      this.settle(f, nowMicros);
    }
    this.tombs.expire(nowMicros);
    let f = this.index.lru.tail;
    while (f) {
      if (nowMicros - f.lastMicros < this.idleMicros) break;
      const prev = f.lruPrev;
      this.close(f, 'idle', nowMicros);
      f = prev;
    }
  }

  closeAll(reason: 'eof' | 'shutdown', nowMicros?: number): void {
    this.busy = true;
    let f = this.index.lru.tail;
    while (f) {
      const prev = f.lruPrev;
      this.close(f, reason, nowMicros ?? f.lastMicros);
      f = prev;
    }
    this.tombs.clear();
    this.busy = false;
    this.deferredIgnores.length = 0;
  }

  /**
   * Safe from inside the sink's onEvent: the flag stops further data/gap/anomaly events at once;
   * the held-back bytes are released when the table is done with the current segment or tick.
   */
  ignore(flow: FlowId): void {
    const f = this.index.get(flow);
    if (!f || f.ignored) return;
    f.ignored = true;
    if (!f.closing) this.unwait(f);
    if (this.busy) this.deferredIgnores.push(f);
    else this.dropHolds(f);
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

  private applyIgnores(): void {
    for (const f of this.deferredIgnores) this.dropHolds(f);
    this.deferredIgnores.length = 0;
  }

  private dropHolds(f: FlowState): void {
    // Not reassembled any more: nothing waits for a handshake either.
    f.early = false;
    const q = this.earlyQ.get(f);
    if (q !== undefined) {
      q.clear();
      this.earlyQ.delete(f);
    }
    this.reasm.dropHold(f.a);
    this.reasm.dropHold(f.b);
  }

  /** After a segment or a tick: reorder-window timers, then the FIN close (RFC 9293 §3.6). */
  private settle(f: FlowState, ts: number): void {
    const deferred = f.a.defer !== null || f.b.defer !== null;
    if (deferred) this.causal.releaseBoth(f, ts);
    let wa = this.reasm.arm(f, f.a, f.b, ts);
    let wb = this.reasm.arm(f, f.b, f.a, ts);
    // A zero window expires a hole inside arm(): what waited on it goes now, then timers again.
    if (deferred && this.causal.releaseBoth(f, ts)) {
      wa = this.reasm.arm(f, f.a, f.b, ts);
      wb = this.reasm.arm(f, f.b, f.a, ts);
    }
    if (wa || wb) {
      if (!f.waiting) {
        f.waiting = true;
        this.waiting.add(f);
      }
    } else this.unwait(f);
    if (this.finished(f)) this.beginClose(f, 'fin', ts);
  }

  /** Both FINs seen and every byte before them delivered or gapped. */
  private finished(f: FlowState): boolean {
    const a = f.a;
    const b = f.b;
    if (a.defer !== null || b.defer !== null) return false;
    return a.finSeen && b.finSeen && a.next === a.finSeq && b.next === b.finSeq && (!a.hold || a.hold.count === 0) && (!b.hold || b.hold.count === 0);
  }

  private unwait(f: FlowState): void {
    if (f.waiting) {
      f.waiting = false;
      this.waiting.delete(f);
    }
  }

  private create(seg: DecodedSegment, hash: number, ts: number): FlowState {
    const evicted = this.index.size + this.tombs.size >= this.maxFlows && this.evict(ts);
    // flows.memcap_mb bounds the open connections' state too (issue 13 item 12, HoldbackBudget):
    // the least recently used connection makes room, one per new connection.
    if (!evicted && !this.budget.admitsFlow() && this.index.size > 0) this.evictFlow(ts, `flows.memcap_mb (${this.budget.capBytes / 1048576}) reached`);
    let ip6: Buffer | null = null;
    if (seg.family === 6 && seg.srcIp6 && seg.dstIp6) {
      ip6 = Buffer.allocUnsafe(32);
      seg.srcIp6.copy(ip6, 0, 0, 16);
      seg.dstIp6.copy(ip6, 16, 0, 16);
    }
    let vlan = EMPTY_VLAN;
    if (seg.vlanCount > 0) {
      vlan = [seg.vlan0];
      if (seg.vlanCount > 1) vlan.push(seg.vlan1);
      if (seg.vlanCount > 2) vlan.push(seg.vlan2);
    }
    const f = new FlowState(this.nextId++, hash, seg.family, seg.srcIp4, seg.dstIp4, ip6, seg.srcPort, seg.dstPort, vlan, ts);
    // Like `vlan`, from the connection's first packet; the list is interned, not copied.
    if (seg.tunnelCount > 0) f.tunnel = tunnelList(seg.tunnelCount, seg.tunnelPath);
    this.index.insert(f);
    this.budget.flowBytes += this.budget.flowStateBytes;
    this.st.flowsActive++;
    const synFlags = seg.flags & (TcpFlags.SYN | TcpFlags.ACK);
    if (synFlags === TcpFlags.SYN) {
      f.clientIsA = true;
      this.open(f);
      // The server's ISN comes with the SYN-ACK: its data seen before that waits (K1).
      if (this.windowMicros > 0) f.early = true;
    } else if (synFlags === (TcpFlags.SYN | TcpFlags.ACK)) {
      // SYN-ACK without the SYN: its sender is the server, and no data was missed. Its data waits
      // until the client is seen (its ACKs order the server's replies after its commands).
      f.clientIsA = false;
      this.open(f);
      if (this.windowMicros > 0) f.early = true;
    } else {
      // Midstream, unless a SYN or SYN-ACK overtaken by this packet arrives within the window (K1):
      // roles, `midstream` and the first byte of each side wait for it (resolve()).
      f.midstream = true;
      if (this.windowMicros > 0) f.early = true;
      else {
        const pa = this.smtpPort[f.portA] === 1;
        const pb = this.smtpPort[f.portB] === 1;
        if (pa !== pb) {
          f.clientIsA = pb;
          this.open(f);
        }
      }
    }
    return f;
  }

  /** Midstream without a decisive SMTP port, on the first payload (see isGreeting). */
  private decideRoles(f: FlowState, sender: HalfState, payload: Buffer): void {
    f.clientIsA = isGreeting(payload) ? sender !== f.a : lowerPortIsB(f);
    this.open(f);
  }

  private open(f: FlowState): void {
    if (f.phase !== Phase.Pending) return;
    f.phase = Phase.Open;
    const info = buildOpenInfo(f, `C${this.uidPrefix}${f.id.toString(36)}`);
    this.sink.onEvent({ t: 'open', tsMicros: f.startMicros, info });
    if (f.midstream) this.reasm.anomaly(f, 'flow_midstream', 'no SYN seen', f.startMicros);
  }

  /**
   * Ends a flow: held bytes become data and gaps, the close event carries the summary, and the
   * FlowState leaves the table (a FIN/RST close leaves a tombstone record instead).
   */
  private close(f: FlowState, reason: CloseReason, ts: number): void {
    if (f.phase === Phase.Closed) return;
    // Evicted to make room: no tombstone either (it would take the room back).
    const keepTomb = reason !== 'evicted';
    // The connection had ended and only waited for late packets: its own reason stands, `fin` when
    // both FINs came whatever the order of an RST among them (in order, the FINs close it first).
    if (f.closing) reason = f.closeRst && !(f.a.finSeen && f.b.finSeen) ? 'rst' : 'fin';
    if (f.early) this.resolve(f, -1);
    if (f.phase === Phase.Pending) this.decideRolesByPort(f);
    // Both FINs seen: the connection ended normally, and only the reorder window (a hole before a
    // FIN, waiting for a copy the capture may still deliver) kept it open. End of input, shutdown
    // or an idle timeout cut that wait short; the holes become gaps below and the close is `fin`.
    // Eviction stays `evicted`: it is the table's own decision, counted to tune max_flows.
    if ((reason === 'eof' || reason === 'shutdown' || reason === 'idle') && f.a.finSeen && f.b.finSeen) reason = 'fin';
    const c = f.client();
    const s = f.server();
    if (f.ignored) {
      this.reasm.dropHold(c);
      this.reasm.dropHold(s);
    } else {
      // Holes that deferred bytes wait on become gaps first, then those bytes, then the rest.
      if (c.defer !== null || s.defer !== null) this.causal.flushDeferred(f, ts);
      this.reasm.flushAll(f, c, s, ts);
      this.reasm.flushAll(f, s, c, ts);
    }
    this.reasm.releaseKept(c);
    this.reasm.releaseKept(s);
    this.unwait(f);
    if (f.closeRst) this.rstWin.delete(f);
    const summary = buildSummary(f);
    if (summary.oneSided !== null) {
      this.st.oneSided[summary.oneSided]++;
      this.reasm.anomaly(f, 'flow_one_sided', summary.oneSided, ts);
    }
    this.sink.onEvent({ t: 'close', flow: f.id, tsMicros: ts, reason, summary });
    this.st.flowsTotal[reason]++;
    this.st.flowsActive--;
    f.phase = Phase.Closed;
    this.index.remove(f);
    this.budget.flowBytes -= this.budget.flowStateBytes;
    if (keepTomb && (reason === 'fin' || reason === 'rst')) this.tombs.add(f, (ts > f.lastMicros ? ts : f.lastMicros) + this.tombMicros);
  }

  private decideRolesByPort(f: FlowState): void {
    f.clientIsA = lowerPortIsB(f);
    this.open(f);
  }

  /**
   * max_flows reached: the oldest tombstone goes first (forgetting a closed connection risks at most
   * a midstream flow for one of its late packets), else the least recently used open flow, unless
   * one of the EVICT_SCAN least recently used never carried a byte: in a SYN flood that is a
   * spoofed half-open connection, and evicting by age alone would cut every live session that
   * paused for max_flows SYNs (issue 8, tcp-hostile.test.ts).
   */
  private evict(ts: number): boolean {
    if (this.tombs.dropOldest()) return false;
    this.evictFlow(ts, `flows.max_flows (${this.maxFlows}) reached`);
    return true;
  }

  /** Closes the least recently used open flow (preferring one that never carried a byte) as `evicted`. */
  private evictFlow(ts: number, why: string): void {
    let victim = this.index.lru.tail;
    if (!victim) return;
    let f: FlowState | null = victim;
    for (let n = 0; f !== null && n < EVICT_SCAN; n++, f = f.lruPrev) {
      if (carriedNothing(f) && !this.earlyQ.has(f)) {
        victim = f;
        break;
      }
    }
    if (victim.early) this.resolve(victim, -1);
    if (victim.phase === Phase.Pending) this.decideRolesByPort(victim);
    // A connection that already ended and only waited for late packets is not cut short by this.
    if (!victim.closing) this.reasm.anomaly(victim, 'flow_evicted', why, ts);
    this.close(victim, 'evicted', ts);
  }
}

/** Least recently used flows examined for one that never carried a byte (bounds evict()). */
const EVICT_SCAN = 32;

/** No payload byte delivered, missing or held in either direction (a SYN, a bare handshake); bytes held before the handshake (EarlyQueue) are checked by the caller. */
function carriedNothing(f: FlowState): boolean {
  const a = f.a;
  const b = f.b;
  if (a.delivered !== 0 || b.delivered !== 0 || a.gapBytes !== 0 || b.gapBytes !== 0) return false;
  if (a.defer !== null || b.defer !== null) return false;
  return (a.hold === null || a.hold.count === 0) && (b.hold === null || b.hold.count === 0);
}
