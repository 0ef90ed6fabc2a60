// Per-connection state: one FlowState per TCP connection with one HalfState per sending side.
// Side A is whoever sent the first packet seen, B the other; which of them is the client is
// decided once (FlowTable) and fixed. Flags are packed into one small integer per object (a SYN
// flood of max_flows connections must stay in a few hundred MB); B's HalfState and the holdbacks
// exist only when needed.
import type { TunnelName } from '../decode/types.js';
import type { Direction, FlowId } from './types.js';
import type { Holdback } from './holdback.js';
import type { DeferQueue } from './deferred.js';
import type { Retained } from './retained.js';

const NO_TUNNEL: readonly TunnelName[] = Object.freeze([]);

/** Lifecycle: roles not known yet (midstream, no SMTP port, no payload yet), open, closed (out of the table). */

export const Phase = { Pending: 0, Open: 1, Closed: 2 } as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

const H_SEEN = 1;
const H_HAS_SEQ = 2;
const H_FIN = 4;
const H_HAS_ACK = 8;
const H_ALT = 16;

/** What one side sent, in that side's sequence space, and what it acknowledged of the other's. */
export class HalfState {
  private bits = 0;
  // Sequence numbers are kept as int32 (`| 0`) and read back as uint32 (`>>> 0`): a field that ever
  // holds a number beyond 2^31 is stored boxed, 16 more bytes per field and connection, and real
  // ISNs are beyond it half the time (issue 13 item 12, memory per open flow).
  private nextI = 0;
  private finSeqI = 0;
  private lastAckI = 0;
  private altNextI = 0;
  private gapStartI = 0;
  private gapEndI = 0;
  /** Packet time since which bytes beyond `next` are known to exist (peer ACK or FIN), or -1. */
  waitSince = -1;
  hold: Holdback | null = null;
  /** Delivered bytes the peer has not acknowledged yet (retransmission check), or null. */
  kept: Retained | null = null;
  /** This side's segments waiting for the peer's bytes they acknowledge (causal order), or null. */
  defer: DeferQueue | null = null;
  /** Bytes delivered in order and bytes declared missing. */
  delivered = 0;
  gapBytes = 0;

  /** Next sequence number expected in order: everything before it was delivered or gapped. */
  get next(): number {
    return this.nextI >>> 0;
  }
  set next(v: number) {
    this.nextI = v | 0;
  }
  /** Sequence number the FIN occupies (the byte after the last data byte). */
  get finSeq(): number {
    return this.finSeqI >>> 0;
  }
  set finSeq(v: number) {
    this.finSeqI = v | 0;
  }
  /** Highest ACK this side sent (it acknowledges the other side's bytes); see hasAck. */
  get lastAck(): number {
    return this.lastAckI >>> 0;
  }
  set lastAck(v: number) {
    this.lastAckI = v | 0;
  }
  /**
   * next as another SYN from this side numbered it (a SYN retransmitted with a new ISN), until the
   * peer's handshake ACK says which one is real; see hasAlt.
   */
  get altNext(): number {
    return this.altNextI >>> 0;
  }
  set altNext(v: number) {
    this.altNextI = v | 0;
  }
  /** The most recent gap, for the capture-loss estimate of ACKs that arrive after it. */
  get lastGapStart(): number {
    return this.gapStartI >>> 0;
  }
  set lastGapStart(v: number) {
    this.gapStartI = v | 0;
  }
  get lastGapEnd(): number {
    return this.gapEndI >>> 0;
  }
  set lastGapEnd(v: number) {
    this.gapEndI = v | 0;
  }

  private flag(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  /** Any packet seen from this side (one-sided detection). */
  get seen(): boolean {
    return (this.bits & H_SEEN) !== 0;
  }
  set seen(v: boolean) {
    this.flag(H_SEEN, v);
  }
  /** `next` is meaningful: set by SYN, or by the first segment seen (midstream). */
  get hasSeq(): boolean {
    return (this.bits & H_HAS_SEQ) !== 0;
  }
  set hasSeq(v: boolean) {
    this.flag(H_HAS_SEQ, v);
  }
  get finSeen(): boolean {
    return (this.bits & H_FIN) !== 0;
  }
  set finSeen(v: boolean) {
    this.flag(H_FIN, v);
  }
  /** altNext holds a second candidate ISN + 1. */
  get hasAlt(): boolean {
    return (this.bits & H_ALT) !== 0;
  }
  set hasAlt(v: boolean) {
    this.flag(H_ALT, v);
  }
  /** Nothing of this side's stream was delivered, declared missing or held yet. */
  get untouched(): boolean {
    return this.delivered === 0 && this.gapBytes === 0 && (this.hold === null || this.hold.count === 0) && this.defer === null;
  }
  get hasAck(): boolean {
    return (this.bits & H_HAS_ACK) !== 0;
  }
  set hasAck(v: boolean) {
    this.flag(H_HAS_ACK, v);
  }
}

/**
 * Side B before it sent anything: every field at its initial value, shared by all flows and frozen,
 * so a write that should have gone to a flow's own HalfState fails loudly instead of leaking into
 * every other flow. Readers need no null checks; writers go through FlowState.bHalf().
 */
export const ABSENT_HALF = new HalfState();
Object.freeze(ABSENT_HALF);

const F_CLIENT_IS_A = 1 << 2;
const F_MIDSTREAM = 1 << 3;
const F_IGNORED = 1 << 4;
const F_TRUNCATED = 1 << 5;
const F_WAITING = 1 << 6;
const F_V6 = 1 << 7;
const F_AFTER_FIN = 1 << 8;
const F_EARLY = 1 << 9;
const F_CLOSING = 1 << 10;
const F_CLOSE_RST = 1 << 11;
const PHASE_MASK = 3;

export class FlowState {
  /** Phase in bits 0-1, then the flags above. */
  private bits: number;
  /** Collision chain of the hash map, and the LRU list (head = most recently used). */
  hashNext: FlowState | null = null;
  lruPrev: FlowState | null = null;
  lruNext: FlowState | null = null;
  readonly a = new HalfState();
  /**
   * ABSENT_HALF until side B's first packet: a scan or a SYN flood that is never answered costs
   * one HalfState per connection, not two. Read freely; write only through bHalf().
   */
  b: HalfState = ABSENT_HALF;
  lastMicros: number;
  /** Encapsulations of the first packet, outermost first: an interned list shared by flows (decode/types tunnelList). */
  tunnel: readonly TunnelName[] = NO_TUNNEL;

  constructor(
    readonly id: FlowId,
    readonly hash: number,
    family: 4 | 6,
    /** IPv4 addresses of A and B (family 4). */
    readonly ipA4: number,
    readonly ipB4: number,
    /** IPv6 addresses (family 6): OWNED 32 bytes, A's at 0, B's at 16. */
    readonly ip6: Buffer | null,
    readonly portA: number,
    readonly portB: number,
    readonly vlan: number[],
    /** The earliest packet time seen (a reordered feed can deliver the SYN after later packets). */
    public startMicros: number,
  ) {
    this.bits = Phase.Pending | F_CLIENT_IS_A | (family === 6 ? F_V6 : 0);
    this.lastMicros = startMicros;
  }

  private flag(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  get family(): 4 | 6 {
    return (this.bits & F_V6) !== 0 ? 6 : 4;
  }
  get phase(): Phase {
    return (this.bits & PHASE_MASK) as Phase;
  }
  set phase(p: Phase) {
    this.bits = (this.bits & ~PHASE_MASK) | p;
  }
  /** Side A is the client. Meaningful once phase >= Open. */
  get clientIsA(): boolean {
    return (this.bits & F_CLIENT_IS_A) !== 0;
  }
  set clientIsA(v: boolean) {
    this.flag(F_CLIENT_IS_A, v);
  }
  get midstream(): boolean {
    return (this.bits & F_MIDSTREAM) !== 0;
  }
  set midstream(v: boolean) {
    this.flag(F_MIDSTREAM, v);
  }
  get ignored(): boolean {
    return (this.bits & F_IGNORED) !== 0;
  }
  set ignored(v: boolean) {
    this.flag(F_IGNORED, v);
  }
  get truncatedReported(): boolean {
    return (this.bits & F_TRUNCATED) !== 0;
  }
  set truncatedReported(v: boolean) {
    this.flag(F_TRUNCATED, v);
  }
  /** flow_data_after_fin was reported for this connection (once per connection). */
  get afterFinReported(): boolean {
    return (this.bits & F_AFTER_FIN) !== 0;
  }
  set afterFinReported(v: boolean) {
    this.flag(F_AFTER_FIN, v);
  }
  /**
   * A side's ISN is still unknown (its SYN or the SYN-ACK not seen) and the reorder window since the
   * first packet has not passed: payload waits in FlowTable's EarlyQueue (issue 13 item 9, K1).
   */
  get early(): boolean {
    return (this.bits & F_EARLY) !== 0;
  }
  set early(v: boolean) {
    this.flag(F_EARLY, v);
  }
  /**
   * Ended (both FINs delivered, or an RST) but still in the table for the reorder window, so late
   * packets count toward `end` and bytes the RST allows still arrive (issue 13 item 9, K2/K3).
   */
  get closing(): boolean {
    return (this.bits & F_CLOSING) !== 0;
  }
  set closing(v: boolean) {
    this.flag(F_CLOSING, v);
  }
  /** The pending close is an RST (else a FIN close). */
  get closeRst(): boolean {
    return (this.bits & F_CLOSE_RST) !== 0;
  }
  set closeRst(v: boolean) {
    this.flag(F_CLOSE_RST, v);
  }
  /** On the FlowTable's list of flows with a running reorder-window timer. */
  get waiting(): boolean {
    return (this.bits & F_WAITING) !== 0;
  }
  set waiting(v: boolean) {
    this.flag(F_WAITING, v);
  }

  /** Side B's own HalfState, created on first use. */
  bHalf(): HalfState {
    if (this.b === ABSENT_HALF) this.b = new HalfState();
    return this.b;
  }

  client(): HalfState {
    return this.clientIsA ? this.a : this.b;
  }

  server(): HalfState {
    return this.clientIsA ? this.b : this.a;
  }

  /** Direction of the bytes a half sends. */
  dirOf(half: HalfState): Direction {
    return (half === this.a) === this.clientIsA ? 'c2s' : 's2c';
  }
}
