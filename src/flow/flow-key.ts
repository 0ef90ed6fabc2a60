// Numeric flow keys: a symmetric 30-bit hash of the TCP 4-tuple (both directions hash alike, so
// one lookup finds the connection) and the full compare that resolves collisions and tells which
// side sent the segment. Pure; reads the BORROWED DecodedSegment without copying. VLAN ids are
// not part of the key: a SPAN that shows a packet on two VLANs shows one connection twice.
import type { DecodedSegment } from '../decode/types.js';
import type { FlowState } from './flow-state.js';
import { be32 } from '../shared/be.js';

function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

function endpoint4(ip: number, port: number): number {
  return mix32(ip ^ Math.imul(port + 1, 0x9e3779b1));
}

// IPv6 addresses are read with the unchecked be32 (the decoder's views are 16 bytes, the flow's copy
// 32): Buffer#readUInt32BE and Buffer#compare with ranges check their arguments on every call, and
// these run for every IPv6 packet (issue 12 item 6).
function endpoint6(ip: Buffer, port: number): number {
  let h = mix32(be32(ip, 0) ^ Math.imul(port + 1, 0x9e3779b1));
  h = mix32(h ^ be32(ip, 4));
  h = mix32(h ^ be32(ip, 8));
  return mix32(h ^ be32(ip, 12));
}

/** The 16 bytes at a[aOff] equal those at b[0] (IPv6 addresses; also the tombstones' compare). */
export function same16(a: Buffer, aOff: number, b: Buffer): boolean {
  return be32(a, aOff) === be32(b, 0) && be32(a, aOff + 4) === be32(b, 4) && be32(a, aOff + 8) === be32(b, 8) && be32(a, aOff + 12) === be32(b, 12);
}

/** Direction-independent key, a small integer (V8 Smi) for a fast Map. */
export function hashSegment(seg: DecodedSegment): number {
  let a: number;
  let b: number;
  if (seg.family === 4 || !seg.srcIp6 || !seg.dstIp6) {
    a = endpoint4(seg.srcIp4, seg.srcPort);
    b = endpoint4(seg.dstIp4, seg.dstPort);
  } else {
    a = endpoint6(seg.srcIp6, seg.srcPort);
    b = endpoint6(seg.dstIp6, seg.dstPort);
  }
  return mix32((a + b) ^ seg.family) & 0x3fffffff;
}

/** Which side of `f` sent `seg`. */
export const Side = { None: 0, A: 1, B: 2 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export function matchSegment(f: FlowState, seg: DecodedSegment): Side {
  return matchTuple(f.family, f.ipA4, f.ipB4, f.ip6, f.portA, f.portB, seg);
}

/**
 * Which side of the 4-tuple (A = ipA4/ip6[0..16] and portA, B the other) sent `seg`; also used for
 * the compact records of closed connections (Tombstones), which keep no FlowState.
 */
export function matchTuple(family: number, ipA4: number, ipB4: number, ip6: Buffer | null, portA: number, portB: number, seg: DecodedSegment): Side {
  if (family !== seg.family) return Side.None;
  if (family === 4) {
    if (ipA4 === seg.srcIp4 && portA === seg.srcPort && ipB4 === seg.dstIp4 && portB === seg.dstPort) return Side.A;
    if (ipA4 === seg.dstIp4 && portA === seg.dstPort && ipB4 === seg.srcIp4 && portB === seg.srcPort) return Side.B;
    return Side.None;
  }
  const src = seg.srcIp6;
  const dst = seg.dstIp6;
  if (!ip6 || !src || !dst) return Side.None;
  if (portA === seg.srcPort && portB === seg.dstPort && same16(ip6, 0, src) && same16(ip6, 16, dst)) return Side.A;
  if (portA === seg.dstPort && portB === seg.srcPort && same16(ip6, 0, dst) && same16(ip6, 16, src)) return Side.B;
  return Side.None;
}
