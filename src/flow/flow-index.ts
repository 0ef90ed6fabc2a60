// The FlowKey -> FlowState index: an open-hashing table of buckets (a plain array indexed by the
// low bits of the numeric 4-tuple hash, grown by doubling) with collision chains through
// FlowState.hashNext and a full compare, the FlowId -> FlowState map for ignore(), and the LRU
// order. Owns membership only; FlowTable owns lifecycle and events. An array, not a Map keyed by
// the hash: a lookup is one indexed load (issue 12 item 6, once per packet).
import type { DecodedSegment } from '../decode/types.js';
import type { FlowId } from './types.js';
import type { FlowState } from './flow-state.js';
import { Side, matchSegment } from './flow-key.js';
import { FlowLru } from './lru.js';

/** Buckets at first; doubled whenever the open flows outnumber them (at most one flow per bucket on average). */
const MIN_BUCKETS = 1024;

export class FlowIndex {
  private buckets: Array<FlowState | null> = new Array<FlowState | null>(MIN_BUCKETS).fill(null);
  private mask = MIN_BUCKETS - 1;
  private readonly byId = new Map<FlowId, FlowState>();
  readonly lru = new FlowLru();
  /** Open (and pending) flows; closed ones leave the index (see Tombstones). */
  size = 0;
  /** Which side sent the segment of the last successful find(). */
  side: Side = Side.None;

  find(seg: DecodedSegment, hash: number): FlowState | null {
    let f: FlowState | null = this.buckets[hash & this.mask] ?? null;
    while (f !== null) {
      if (f.hash === hash) {
        const side = matchSegment(f, seg);
        if (side !== Side.None) {
          this.side = side;
          return f;
        }
      }
      f = f.hashNext;
    }
    return null;
  }

  get(id: FlowId): FlowState | undefined {
    return this.byId.get(id);
  }

  insert(f: FlowState): void {
    if (this.size >= this.buckets.length) this.grow();
    const b = f.hash & this.mask;
    f.hashNext = this.buckets[b] ?? null;
    this.buckets[b] = f;
    this.byId.set(f.id, f);
    this.lru.pushFront(f);
    this.size++;
  }

  remove(f: FlowState): void {
    const b = f.hash & this.mask;
    const head: FlowState | null = this.buckets[b] ?? null;
    if (head === f) this.buckets[b] = f.hashNext;
    else {
      let p = head;
      while (p !== null && p.hashNext !== f) p = p.hashNext;
      if (p !== null) p.hashNext = f.hashNext;
    }
    f.hashNext = null;
    this.lru.unlink(f);
    this.byId.delete(f.id);
    this.size--;
  }

  /** Twice the buckets, every chain split by the next bit of its flows' hashes. */
  private grow(): void {
    const old = this.buckets;
    const buckets = new Array<FlowState | null>(old.length * 2).fill(null);
    const mask = buckets.length - 1;
    for (let i = 0; i < old.length; i++) {
      let f: FlowState | null = old[i] ?? null;
      while (f !== null) {
        const next = f.hashNext;
        const b = f.hash & mask;
        f.hashNext = buckets[b] ?? null;
        buckets[b] = f;
        f = next;
      }
    }
    this.buckets = buckets;
    this.mask = mask;
  }
}
