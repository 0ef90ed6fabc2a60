// Records one encapsulation layer in the caller's DecodedSegment (tunnelCount/tunnelPath, outermost
// first) and enforces capture.max_tunnel_depth: a frame nested deeper is not followed, so a crafted
// packet of thousands of GRE headers costs a bounded walk. Pure; writes only the two fields.
import type { DecodedSegment } from './types.js';
import { TUNNEL_BITS } from './types.js';

/** capture.max_tunnel_depth's default: SPAN sessions stack at most a few (ERSPAN over MPLS over …). */
export const DEFAULT_TUNNEL_DEPTH = 4;

/** False when one more layer would exceed `max` (the caller answers 'tunnel_depth'). */
export function enterTunnel(out: DecodedSegment, code: number, max: number): boolean {
  const n = out.tunnelCount;
  if (n >= max) return false;
  out.tunnelPath += code * 2 ** (TUNNEL_BITS * n);
  out.tunnelCount = n + 1;
  return true;
}
