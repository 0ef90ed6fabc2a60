// The flows with a running reorder-window timer (usually few): a hole waiting for its bytes, the
// handshake wait (FlowState.early) or a close waiting for late packets (FlowState.closing).
// FlowTable.tick() scans only these, never the whole table. Owns membership only; the flag on the
// FlowState makes add/remove O(1) and idempotent.
import type { FlowState } from './flow-state.js';

export class WaitList {
  readonly flows = new Set<FlowState>();

  add(f: FlowState): void {
    if (!f.waiting) {
      f.waiting = true;
      this.flows.add(f);
    }
  }

  remove(f: FlowState): void {
    if (f.waiting) {
      f.waiting = false;
      this.flows.delete(f);
    }
  }
}
