// The FlowKey -> FlowState index: a Map keyed by the numeric 4-tuple hash with collision chains
// (FlowState.hashNext) and a full compare, the FlowId -> FlowState map for ignore(), and the LRU
// order. Owns membership only; FlowTable owns lifecycle and events.
import type { DecodedSegment } from '../decode/types.js';
import type { FlowId } from './types.js';
import type { FlowState } from './flow-state.js';
import { Side, matchSegment } from './flow-key.js';
import { FlowLru } from './lru.js';

export class FlowIndex {
  private readonly buckets = new Map<number, FlowState>();
  private readonly byId = new Map<FlowId, FlowState>();
  readonly lru = new FlowLru();
  /** Open (and pending) flows; closed ones leave the index (see Tombstones). */
  size = 0;
  /** Which side sent the segment of the last successful find(). */
  side: Side = Side.None;

  find(seg: DecodedSegment, hash: number): FlowState | null {
    let f = this.buckets.get(hash) ?? null;
    while (f) {
      const side = matchSegment(f, seg);
      if (side !== Side.None) {
        this.side = side;
        return f;
      }
      f = f.hashNext;
    }
    return null;
  }

  get(id: FlowId): FlowState | undefined {
    return this.byId.get(id);
  }

  insert(f: FlowState): void {
    f.hashNext = this.buckets.get(f.hash) ?? null;
    this.buckets.set(f.hash, f);
    this.byId.set(f.id, f);
    this.lru.pushFront(f);
    this.size++;
  }

  remove(f: FlowState): void {
    const head = this.buckets.get(f.hash);
    if (head === f) {
      if (f.hashNext) this.buckets.set(f.hash, f.hashNext);
      else this.buckets.delete(f.hash);
    } else {
      let p = head ?? null;
      while (p && p.hashNext !== f) p = p.hashNext;
      if (p) p.hashNext = f.hashNext;
    }
    f.hashNext = null;
    this.lru.unlink(f);
    this.byId.delete(f.id);
    this.size--;
  }
}
