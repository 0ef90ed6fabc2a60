// The handshake step: what SYNs and ACKs say about where each side's stream begins and who is the
// client, and the wait for it (issue 13 item 9, K1). A connection starts in FlowState.early: its
// segments carrying payload or a FIN wait here (EarlyQueue: copies, charged to the holdback budget
// and the per-flow cap) until both sides' ISNs are known and both sides were seen, or the reorder
// window passed, a cap is reached, an RST comes or the flow closes (resolve). Then roles are decided
// and the held segments replayed in arrival order through the Delivery scheduler. Both sides must
// have been seen because CausalOrder trusts an ACK only from a captured peer (one-sided feeds).
import type { DecodedSegment } from '../decode/types.js';
import { TcpFlags } from '../decode/types.js';
import type { FlowStats } from './types.js';
import { Phase, type FlowState, type HalfState } from './flow-state.js';
import type { HoldbackBudget } from './holdback.js';
import type { FlowEvents } from './events.js';
import type { Delivery } from './delivery.js';
import type { WaitList } from './wait-list.js';
import { EarlyQueue } from './early.js';
import { isGreeting, lowerPortIsB } from './flow-info.js';
import { seqAdd } from './seq.js';

export class Handshake {
  /** Payload of flows still waiting for a side's ISN (FlowState.early), only while they hold some. */
  private readonly earlyQ = new Map<FlowState, EarlyQueue>();
  private readonly smtpPort = new Uint8Array(65536);

  constructor(
    smtpPorts: readonly number[],
    private readonly events: FlowEvents,
    private readonly delivery: Delivery,
    private readonly waits: WaitList,
    private readonly budget: HoldbackBudget,
    private readonly stats: FlowStats,
    private readonly windowMicros: number,
    private readonly perFlowHold: number,
  ) {
    for (const p of smtpPorts) if (p >= 0 && p < 65536) this.smtpPort[p] = 1;
  }

  /** A new connection's first packet: roles from a SYN or SYN-ACK, else midstream (maybe decided by port). */
  begin(f: FlowState, flags: number): void {
    const synFlags = flags & (TcpFlags.SYN | TcpFlags.ACK);
    if (synFlags === TcpFlags.SYN) {
      f.clientIsA = true;
      this.events.open(f);
      // The server's ISN comes with the SYN-ACK: its data seen before that waits (K1).
      if (this.windowMicros > 0) f.early = true;
    } else if (synFlags === (TcpFlags.SYN | TcpFlags.ACK)) {
      // SYN-ACK without the SYN: its sender is the server, and no data was missed. Its data waits
      // until the client is seen (its ACKs order the server's replies after its commands).
      f.clientIsA = false;
      this.events.open(f);
      if (this.windowMicros > 0) f.early = true;
    } else {
      // Midstream, unless a SYN or SYN-ACK overtaken by this packet arrives within the window (K1):
      // roles, `midstream` and the first byte of each side wait for it (resolve()).
      f.midstream = true;
      if (this.windowMicros > 0) f.early = true;
      else this.rolesByServerPort(f);
    }
  }

  /** A SYN (or SYN-ACK) from `s` (side A when `fromA`). */
  syn(f: FlowState, s: HalfState, p: HalfState, fromA: boolean, seg: DecodedSegment): void {
    const flags = seg.flags;
    if (f.phase === Phase.Pending) {
      // The handshake after a stray packet: it started now, roles from the SYN.
      f.midstream = false;
      f.clientIsA = fromA === ((flags & TcpFlags.ACK) === 0);
      this.events.open(f);
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
      const q = fromA ? f.bHalf() : p;
      q.hasSeq = true;
      q.next = seg.ack >>> 0;
    }
  }

  /** An ACK from `s` of `p`'s stream (`synAck`: on a SYN-ACK). */
  ack(s: HalfState, p: HalfState, ack: number, synAck: boolean): void {
    if (p.hasAlt) followHandshake(p, ack, synAck);
    this.delivery.ack(s, p, ack);
  }

  /** Both ISNs known and both sides seen: what waited can go now, in arrival order. */
  ready(f: FlowState): boolean {
    return f.a.hasSeq && f.b.hasSeq && f.a.seen && f.b.seen;
  }

  /** This flow holds segments waiting for the handshake. */
  holds(f: FlowState): boolean {
    return this.earlyQ.has(f);
  }

  /** Keeps a segment of an early flow (copied); false when the holdback caps refuse it. */
  hold(f: FlowState, fromA: boolean, start: number, data: Buffer, len: number, flags: number, ack: number, ts: number): boolean {
    let q = this.earlyQ.get(f);
    if (q === undefined) {
      q = new EarlyQueue(this.budget, this.perFlowHold);
      this.earlyQ.set(f, q);
      // tick() must end the wait even when no further packet of this flow comes.
      this.waits.add(f);
    }
    if (!q.push(fromA, start, data, len, ack >>> 0, flags, ts)) return false;
    this.stats.outOfOrder++;
    return true;
  }

  /**
   * Ends the wait for the ISNs (both known, the window passed, a cap reached, an RST, the close):
   * roles of a connection without a SYN are decided on what each side sent first in sequence order,
   * a side still without an ISN starts at the lowest byte it holds (a midstream pickup of that side),
   * and the held segments are replayed in arrival order through the normal path, which orders them.
   * True when the caller must settle the flow at `ts` (segments were replayed; `ts` < 0: a close).
   */
  resolve(f: FlowState, ts: number): boolean {
    f.early = false;
    const q = this.earlyQ.get(f);
    if (q !== undefined) this.earlyQ.delete(f);
    if (f.phase === Phase.Pending) {
      if (this.smtpPort[f.portA] !== this.smtpPort[f.portB]) this.rolesByServerPort(f);
      else if (q !== undefined && q.count > 0) {
        const la = q.lowest(true);
        const lb = q.lowest(false);
        if (la >= 0 && isGreeting(q.bufs[la]!)) f.clientIsA = false;
        else if (lb >= 0 && isGreeting(q.bufs[lb]!)) f.clientIsA = true;
        else f.clientIsA = lowerPortIsB(f);
        this.events.open(f);
      }
    }
    if (q === undefined) return false;
    if (!f.a.hasSeq) anchor(f.a, q, true);
    if (!f.b.hasSeq && q.lowest(false) >= 0) anchor(f.bHalf(), q, false);
    q.release();
    for (let i = 0; i < q.count; i++) {
      const fromA = q.sideA[i] === 1;
      const s = fromA ? f.a : f.bHalf();
      this.delivery.payload(f, s, fromA ? f.b : f.a, q.seqs[i]!, q.bufs[i]!, q.lens[i]!, q.flags[i]!, q.acks[i]!, q.tss[i]!);
      // As after each live segment (settle): what waited on these bytes goes before the next one
      // is judged, else CausalOrder takes a met barrier for a mutual wait.
      this.delivery.release(f, q.tss[i]!);
    }
    q.clear();
    return !f.ignored && f.phase === Phase.Open && ts >= 0;
  }

  /** Ignored: not reassembled any more, so nothing waits for a handshake either. */
  drop(f: FlowState): void {
    f.early = false;
    const q = this.earlyQ.get(f);
    if (q !== undefined) {
      q.clear();
      this.earlyQ.delete(f);
    }
  }

  /** Exactly one of the ports is an SMTP port: its side is the server. Else roles stay pending. */
  private rolesByServerPort(f: FlowState): void {
    const pa = this.smtpPort[f.portA] === 1;
    const pb = this.smtpPort[f.portB] === 1;
    if (pa !== pb) {
      f.clientIsA = pb;
      this.events.open(f);
    }
  }
}

/** A side without an ISN starts at the lowest byte it holds (a midstream pickup of that side). */
function anchor(h: HalfState, q: EarlyQueue, sideA: boolean): void {
  const i = q.lowest(sideA);
  if (i < 0) return;
  h.hasSeq = true;
  h.next = q.seqs[i]!;
}

/**
 * `h` sent SYNs with two ISNs and nothing of its stream moved yet: the peer's ACK names the one
 * its handshake completed with (RFC 9293 §3.5: the SYN-ACK acknowledges exactly one SYN, the
 * final ACK exactly one SYN-ACK). An ACK of the other candidate swaps them; a SYN-ACK (`synAck`)
 * is trusted even for an ISN whose SYN was not captured, as for a SYN-ACK seen without its SYN.
 * A plain ACK for any other number changes nothing: one stray ACK must not re-number a stream.
 */
function followHandshake(h: HalfState, ack: number, synAck: boolean): void {
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
