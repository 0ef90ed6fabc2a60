// BSD loopback link headers: LINKTYPE_NULL (4-byte address family in the capturing host's byte
// order, so both orders are accepted) and LINKTYPE_LOOP (the same family in network order).
// Consumes a borrowed frame, produces a NetRef or a SkipReason. Pure; no state.
import type { SkipReason } from './types.js';
import { be32, le32 } from '../shared/be.js';
import { NET_IPV4, NET_IPV6, type NetRef } from './net-ref.js';

const LOOP_HEADER = 4;
/** AF_INET is 2 on every BSD; AF_INET6 differs: 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS). */
const AF_INET = 2;
const AF_INET6_NETBSD = 24;
const AF_INET6_FREEBSD = 28;
const AF_INET6_DARWIN = 30;

/** LINKTYPE_NULL: the family is in host order; a pcap from a big- or little-endian host may arrive. */
export function decodeNull(buf: Buffer, base = 0, lim = buf.length): NetRef | SkipReason {
  if (lim < base + LOOP_HEADER) return 'truncated';
  const kind = familyKind(le32(buf, base));
  return kind !== 0 ? kind | (base + LOOP_HEADER) : familyRef(be32(buf, base), base);
}

/** LINKTYPE_LOOP (OpenBSD): the family is in network order. */
export function decodeLoop(buf: Buffer, base = 0, lim = buf.length): NetRef | SkipReason {
  if (lim < base + LOOP_HEADER) return 'truncated';
  return familyRef(be32(buf, base), base);
}

function familyRef(family: number, base: number): NetRef | SkipReason {
  const kind = familyKind(family);
  return kind !== 0 ? kind | (base + LOOP_HEADER) : 'not_tcp';
}

function familyKind(family: number): number {
  if (family === AF_INET) return NET_IPV4;
  if (family === AF_INET6_NETBSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN) return NET_IPV6;
  return 0;
}
