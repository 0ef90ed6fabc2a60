// TCP sequence-number arithmetic modulo 2^32 (RFC 9293 §3.4): comparisons are valid while the
// two numbers are within 2^31 of each other, which the reassembler guarantees by ignoring
// segments more than SEQ_JUMP_LIMIT away from the expected sequence. Pure.

/** Signed distance a - b in sequence space, in (-2^31, 2^31]. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** a + n wrapped to an unsigned 32-bit sequence number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/**
 * A segment (or ACK) farther than this from the expected sequence, in either direction, is
 * treated as bogus (flow_seq_jump) and ignored: no real receive window is 1 GiB wide (RFC 7323
 * caps the scaled window at 2^30), and honouring it would let one forged packet declare a
 * gigabyte gap.
 */
export const SEQ_JUMP_LIMIT = 0x40000000;
