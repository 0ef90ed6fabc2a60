// Pure flow → worker routing (flow affinity keeps each connection's events in order on one
// worker). Owns no state. A multiplicative hash spreads sequential FlowIds evenly even when the
// worker count shares factors with the allocation pattern of ids.
import type { FlowId } from '../flow/types.js';

/** Knuth's multiplicative constant (2^32 / golden ratio). */
const GOLDEN = 0x9e3779b1;

/** Index of the worker that owns `flow`, in [0, workers). */
export function routeFlow(flow: FlowId, workers: number): number {
  if (workers <= 1) return 0;
  // Fold ids above 2^32 into the low word so the hash sees every bit.
  const lo = flow >>> 0;
  const hi = Math.floor(flow / 4294967296) >>> 0;
  const h = Math.imul((lo ^ Math.imul(hi, 0x85ebca6b)) >>> 0, GOLDEN) >>> 0;
  // The high bits of a multiplicative hash are the well-mixed ones: fold them down.
  return ((h ^ (h >>> 16)) >>> 0) % workers;
}
