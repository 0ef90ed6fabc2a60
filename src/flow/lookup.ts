// The lookup step: which connection a segment belongs to. Finds its FlowState (FlowIndex), lets a
// connection whose close window ran out (or whose 4-tuple a new SYN reuses) go first, drops late
// packets of connections closed recently (Tombstones), and otherwise creates the connection, making
// room at max_flows or flows.memcap_mb. Touches `start`, `end` and the LRU order of a found flow.
import type { DecodedSegment } from '../decode/types.js';
import { TcpFlags, tunnelList } from '../decode/types.js';
import type { FlowStats } from './types.js';
import { FlowState } from './flow-state.js';
import { Side, hashSegment } from './flow-key.js';
import type { FlowIndex } from './flow-index.js';
import type { Tombstones } from './tombstones.js';
import type { HoldbackBudget } from './holdback.js';
import type { Handshake } from './handshake.js';
import type { Teardown } from './teardown.js';
import { ownSyn } from './closing.js';

const EMPTY_VLAN: number[] = [];

export interface LookupLimits {
  maxFlows: number;
  windowMicros: number;
  tombMicros: number;
}

export class FlowLookup {
  /** Which side sent the segment of the last find() that returned a flow. */
  side: Side = Side.None;
  /** The last find() created the flow (its first packet). */
  created = false;
  private nextId = 1;

  constructor(
    private readonly index: FlowIndex,
    private readonly tombs: Tombstones,
    private readonly budget: HoldbackBudget,
    private readonly stats: FlowStats,
    private readonly handshake: Handshake,
    private readonly teardown: Teardown,
    private readonly lim: LookupLimits,
  ) {}

  /** The segment's connection, or null when it is a late packet of one closed recently. */
  find(seg: DecodedSegment): FlowState | null {
    const ts = seg.tsMicros;
    const flags = seg.flags;
    const hash = hashSegment(seg);
    let f = this.index.find(seg, hash);
    // A connection waiting to close goes when the window after its latest packet has passed, or
    // when a new SYN reuses its 4-tuple; the packet then meets its tombstone below.
    if (f && f.closing && (ts - f.lastMicros >= this.lim.windowMicros || ((flags & (TcpFlags.SYN | TcpFlags.ACK)) === TcpFlags.SYN && !ownSyn(f, this.index.side, seg.seq)))) {
      this.teardown.close(f, 'fin', f.lastMicros);
      f = null;
    }
    if (f) {
      this.side = this.index.side;
      this.created = false;
      // The latest packet time, not the last packet's: capture timestamps can go backwards
      // (merged or crafted captures), and `end` must not precede `start` or any packet.
      if (ts > f.lastMicros) f.lastMicros = ts;
      if (ts < f.startMicros) f.startMicros = ts;
      this.index.lru.touch(f);
      return f;
    }
    const t = this.tombs.find(seg, hash);
    if (t >= 0) {
      // A new SYN reuses the 4-tuple: a new connection. Anything else belongs to the closed one,
      // until its record expires (checked here too, so results do not depend on tick()).
      if (ts < this.tombs.expiresAt(t) && (flags & (TcpFlags.SYN | TcpFlags.ACK)) !== TcpFlags.SYN) {
        this.tombs.refresh(t, ts + this.lim.tombMicros);
        return null;
      }
      this.tombs.delete(t);
    }
    this.side = Side.A;
    this.created = true;
    return this.create(seg, hash, ts);
  }

  private create(seg: DecodedSegment, hash: number, ts: number): FlowState {
    const evicted = this.index.size + this.tombs.size >= this.lim.maxFlows && this.evict(ts);
    // flows.memcap_mb bounds the open connections' state too (issue 13 item 12, HoldbackBudget):
    // the least recently used connection makes room, one per new connection.
    if (!evicted && !this.budget.admitsFlow() && this.index.size > 0) this.teardown.evictFlow(ts, `flows.memcap_mb (${this.budget.capBytes / 1048576}) reached`);
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
    this.stats.flowsActive++;
    this.handshake.begin(f, seg.flags);
    return f;
  }

  /**
   * max_flows reached: the oldest tombstone goes first (forgetting a closed connection risks at most
   * a midstream flow for one of its late packets), else the least recently used open flow, unless
   * one of the least recently used never carried a byte: in a SYN flood that is a spoofed half-open
   * connection, and evicting by age alone would cut every live session that paused for max_flows
   * SYNs (issue 8, tcp-hostile.test.ts). True when an open flow was evicted.
   */
  private evict(ts: number): boolean {
    if (this.tombs.dropOldest()) return false;
    this.teardown.evictFlow(ts, `flows.max_flows (${this.lim.maxFlows}) reached`);
    return true;
  }
}
