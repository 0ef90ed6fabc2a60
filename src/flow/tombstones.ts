// Closed connections remembered for a short while (after FIN/RST), so their late retransmissions,
// final ACKs and retransmitted FINs are recognised and dropped instead of opening a midstream flow.
// Owns one compact record per closed connection (4-tuple, hash, expiry) in typed arrays: no
// FlowState, holdback or per-direction state outlives the close. Consumes DecodedSegment lookups.
import type { DecodedSegment } from '../decode/types.js';
import type { FlowState } from './flow-state.js';
import { Side, matchTuple, same16 } from './flow-key.js';

const INITIAL_SLOTS = 1024;
const NONE = -1;
/** family[] value of a slot removed out of order (a SYN reused the 4-tuple): skipped until the head passes it. */
const DEAD = 0;

/**
 * Slots form a ring in close order (head = oldest), so expiry and max_flows trimming pop the head
 * without a scan; a bucket array and per-slot chain (the 30-bit flow hash) find a 4-tuple. About 34
 * bytes per record (66 once IPv6 is seen), against ~500 for a FlowState with its two HalfStates and boxed numbers (a heap
 * snapshot of the `many` benchmark held ~50k closed FlowStates for ~5k open connections).
 */
export class Tombstones {
  /** Live records (dead slots excluded). */
  size = 0;
  private cap = 0;
  private head = 0;
  /** Ring entries from head, dead slots included. */
  private len = 0;
  private family = new Uint8Array(0);
  /** Expiry moved later by a late packet since the slot entered the ring. */
  private refreshed = new Uint8Array(0);
  private hashOf = new Int32Array(0);
  private ipA = new Uint32Array(0);
  private ipB = new Uint32Array(0);
  private portA = new Uint16Array(0);
  private portB = new Uint16Array(0);
  /** Packet time at which the record is forgotten. */
  private expires = new Float64Array(0);
  /**
   * IPv6 addresses, 32 bytes per slot (A's then B's), allocated with the first IPv6 record. Copied:
   * the FlowState's buffer is a slice of Node's shared allocation pool, and keeping it would pin a
   * whole pool slab per record.
   */
  private ip6 = Buffer.alloc(0);
  private chain = new Int32Array(0);
  private buckets = new Int32Array(0);

  constructor() {
    this.resize(INITIAL_SLOTS);
  }

  /** Ring capacity (memory diagnostics and tests). */
  get slots(): number {
    return this.cap;
  }

  /**
   * Tests: every live ring slot sits exactly once in its own bucket's chain and no chain holds a
   * dead or out-of-ring slot (walks are bounded, so a chain loop is reported, not followed).
   */
  chainsConsistent(): boolean {
    const seen = new Uint8Array(this.cap);
    const inRing = new Uint8Array(this.cap);
    for (let i = 0; i < this.len; i++) inRing[(this.head + i) & (this.cap - 1)] = 1;
    for (let b = 0; b < this.cap; b++) {
      let steps = 0;
      for (let s = this.buckets[b]!; s !== NONE; s = this.chain[s]!) {
        if (++steps > this.cap || seen[s] === 1 || inRing[s] === 0 || this.family[s] === DEAD) return false;
        if ((this.hashOf[s]! & (this.cap - 1)) !== b) return false;
        seen[s] = 1;
      }
    }
    for (let s = 0; s < this.cap; s++) if (inRing[s] === 1 && this.family[s] !== DEAD && seen[s] === 0) return false;
    return true;
  }

  /** Remembers the closed connection `f` until packet time `expires`. */
  add(f: FlowState, expires: number): void {
    if (this.len === this.cap) {
      this.trimHead();
      // Full of live records: grow. Mostly dead slots (4-tuples reused by a new SYN): compact.
      if (this.len === this.cap) this.resize(this.size * 2 > this.cap ? this.cap * 2 : this.cap);
    }
    const s = (this.head + this.len) & (this.cap - 1);
    this.len++;
    this.size++;
    this.family[s] = f.family;
    this.refreshed[s] = 0;
    this.hashOf[s] = f.hash;
    this.ipA[s] = f.ipA4;
    this.ipB[s] = f.ipB4;
    this.portA[s] = f.portA;
    this.portB[s] = f.portB;
    this.expires[s] = expires;
    if (f.ip6 !== null) {
      if (this.ip6.length === 0) this.ip6 = Buffer.alloc(this.cap * 32);
      f.ip6.copy(this.ip6, s * 32, 0, 32);
    }
    this.link(s);
  }

  /** The record of the connection `seg` belongs to, or -1. */
  find(seg: DecodedSegment, hash: number): number {
    for (let s = this.buckets[hash & (this.cap - 1)]!; s !== NONE; s = this.chain[s]!) {
      if (this.hashOf[s] !== hash || this.family[s] === DEAD) continue;
      if (this.family[s] === 6 ? this.match6(s, seg) : matchTuple(4, this.ipA[s]!, this.ipB[s]!, null, this.portA[s]!, this.portB[s]!, seg) !== Side.None) return s;
    }
    return NONE;
  }

  expiresAt(slot: number): number {
    return this.expires[slot]!;
  }

  /** A late packet: the record lives until `expires` if that is later. */
  refresh(slot: number, expires: number): void {
    if (expires > this.expires[slot]!) {
      this.expires[slot] = expires;
      this.refreshed[slot] = 1;
    }
  }

  /** Forgets one record (its 4-tuple was reused, or it expired). */
  delete(slot: number): void {
    if (this.family[slot] === DEAD) return;
    this.unlink(slot);
    this.family[slot] = DEAD;
    this.size--;
    this.trimHead();
  }

  /**
   * Forgets records whose expiry is at or before `now`. Oldest first; a refreshed record at the
   * head moves to the tail once, so one late packet never stops the expiry of those behind it.
   */
  expire(now: number): void {
    for (let n = this.len; n > 0; n--) {
      // requeue() advances the head onto whatever follows, which may be a slot deleted out of
      // order (a 4-tuple reused by a SYN) and still marked refreshed: requeuing that one linked a
      // dead copy into a chain, later trimmed without an unlink and relinked by add(), closing the
      // chain into a loop (test/bench/soak.ts: mailtap spinning in unlink()).
      this.trimHead();
      if (this.len === 0) return;
      const s = this.head;
      if (this.expires[s]! <= now) this.delete(s);
      else if (this.refreshed[s] === 1) this.requeue(s);
      else return;
    }
  }

  /** Forgets the oldest record (max_flows reached); false when there is none. */
  dropOldest(): boolean {
    if (this.size === 0) return false;
    this.delete(this.head);
    return true;
  }

  clear(): void {
    this.family.fill(DEAD);
    this.buckets.fill(NONE);
    this.head = 0;
    this.len = 0;
    this.size = 0;
  }

  /** Pops dead slots off the head of the ring. */
  private trimHead(): void {
    while (this.len > 0 && this.family[this.head] === DEAD) {
      this.head = (this.head + 1) & (this.cap - 1);
      this.len--;
    }
  }

  /** Moves the live head record to the tail of the ring, clearing its refreshed mark. */
  private requeue(s: number): void {
    this.unlink(s);
    this.head = (this.head + 1) & (this.cap - 1);
    this.len--;
    const t = (this.head + this.len) & (this.cap - 1);
    this.len++;
    if (t !== s) {
      this.copySlot(s, t);
      this.family[s] = DEAD;
    }
    this.refreshed[t] = 0;
    this.link(t);
  }

  /** Slot `s` (family 6) is the connection of `seg`, in either direction. */
  private match6(s: number, seg: DecodedSegment): boolean {
    const src = seg.srcIp6;
    const dst = seg.dstIp6;
    if (seg.family !== 6 || src === null || dst === null) return false;
    const a = s * 32;
    const b = a + 16;
    const pa = this.portA[s]!;
    const pb = this.portB[s]!;
    if (pa === seg.srcPort && pb === seg.dstPort && same16(this.ip6, a, src) && same16(this.ip6, b, dst)) return true;
    return pa === seg.dstPort && pb === seg.srcPort && same16(this.ip6, a, dst) && same16(this.ip6, b, src);
  }

  private copySlot(from: number, to: number): void {
    this.family[to] = this.family[from]!;
    this.refreshed[to] = this.refreshed[from]!;
    this.hashOf[to] = this.hashOf[from]!;
    this.ipA[to] = this.ipA[from]!;
    this.ipB[to] = this.ipB[from]!;
    this.portA[to] = this.portA[from]!;
    this.portB[to] = this.portB[from]!;
    this.expires[to] = this.expires[from]!;
    if (this.family[from] === 6) this.ip6.copy(this.ip6, to * 32, from * 32, from * 32 + 32);
  }

  private link(s: number): void {
    const b = this.hashOf[s]! & (this.cap - 1);
    this.chain[s] = this.buckets[b]!;
    this.buckets[b] = s;
  }

  private unlink(s: number): void {
    const b = this.hashOf[s]! & (this.cap - 1);
    let p = this.buckets[b]!;
    if (p === s) {
      this.buckets[b] = this.chain[s]!;
      return;
    }
    while (p !== NONE && this.chain[p] !== s) p = this.chain[p]!;
    if (p !== NONE) this.chain[p] = this.chain[s]!;
  }

  /** New arrays of `cap` slots (a power of two) holding the live records in ring order from 0. */
  private resize(cap: number): void {
    const family = new Uint8Array(cap);
    const refreshed = new Uint8Array(cap);
    const hashOf = new Int32Array(cap);
    const ipA = new Uint32Array(cap);
    const ipB = new Uint32Array(cap);
    const portA = new Uint16Array(cap);
    const portB = new Uint16Array(cap);
    const expires = new Float64Array(cap);
    const ip6 = this.ip6.length > 0 ? Buffer.alloc(cap * 32) : this.ip6;
    let n = 0;
    for (let i = 0; i < this.len; i++) {
      const s = (this.head + i) & (this.cap - 1);
      if (this.family[s] === DEAD) continue;
      family[n] = this.family[s]!;
      refreshed[n] = this.refreshed[s]!;
      hashOf[n] = this.hashOf[s]!;
      ipA[n] = this.ipA[s]!;
      ipB[n] = this.ipB[s]!;
      portA[n] = this.portA[s]!;
      portB[n] = this.portB[s]!;
      expires[n] = this.expires[s]!;
      if (this.family[s] === 6) this.ip6.copy(ip6, n * 32, s * 32, s * 32 + 32);
      n++;
    }
    this.family = family;
    this.refreshed = refreshed;
    this.hashOf = hashOf;
    this.ipA = ipA;
    this.ipB = ipB;
    this.portA = portA;
    this.portB = portB;
    this.expires = expires;
    this.ip6 = ip6;
    this.chain = new Int32Array(cap);
    this.buckets = new Int32Array(cap).fill(NONE);
    this.cap = cap;
    this.head = 0;
    this.len = n;
    for (let s = 0; s < n; s++) this.link(s);
  }
}
