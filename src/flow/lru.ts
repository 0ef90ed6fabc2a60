// Intrusive doubly-linked recency list over FlowState (lruPrev/lruNext): O(1) touch, unlink and
// least-recently-used lookup for max_flows eviction and idle expiry (no scan of the table).
// Owns only the head/tail pointers; the links live in the flows.
import type { FlowState } from './flow-state.js';

export class FlowLru {
  /** Most recently used. */
  head: FlowState | null = null;
  /** Least recently used: the next to evict or expire. */
  tail: FlowState | null = null;

  pushFront(f: FlowState): void {
    f.lruPrev = null;
    f.lruNext = this.head;
    if (this.head) this.head.lruPrev = f;
    else this.tail = f;
    this.head = f;
  }

  unlink(f: FlowState): void {
    const prev = f.lruPrev;
    const next = f.lruNext;
    if (prev) prev.lruNext = next;
    else if (this.head === f) this.head = next;
    if (next) next.lruPrev = prev;
    else if (this.tail === f) this.tail = prev;
    f.lruPrev = null;
    f.lruNext = null;
  }

  touch(f: FlowState): void {
    if (this.head === f) return;
    this.unlink(f);
    this.pushFront(f);
  }

  clear(): void {
    this.head = null;
    this.tail = null;
  }
}
