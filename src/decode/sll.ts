// Linux cooked capture headers (`tcpdump -i any`): LINKTYPE_LINUX_SLL (v1) and LINUX_SLL2 (v2).
// Consumes a borrowed frame, produces a NetRef or a SkipReason; VLAN tags the kernel left in
// place (no VLAN offload) are walked like Ethernet's. Pure; no state.
import type { DecodedSegment, SkipReason } from './types.js';
import { be16 } from '../shared/be.js';
import { decodeLlcSnap, walkEtherType } from './ethernet.js';
import type { NetRef } from './net-ref.js';

/** v1: packet type(2) ARPHRD(2) address length(2) address(8) protocol(2). */
const SLL_HEADER = 16;
const SLL_PROTOCOL_OFFSET = 14;
const SLL_ARPHRD_OFFSET = 2;
/** v2: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8). */
const SLL2_HEADER = 20;
const SLL2_ARPHRD_OFFSET = 8;
/** ARPHRD_NETLINK: the protocol field is a netlink family, never an EtherType. */
const ARPHRD_NETLINK = 824;
/** packet(7): protocol 0x0004 (ETH_P_802_2) means the payload starts with an 802.2 LLC header. */
const ETH_P_802_2 = 0x0004;
const MIN_ETHERTYPE = 0x0600;

export function decodeSll(buf: Buffer, out: DecodedSegment, base = 0, lim = buf.length): NetRef | SkipReason {
  if (lim < base + SLL_HEADER) return 'truncated';
  return cookedPayload(buf, base + SLL_HEADER, be16(buf, base + SLL_PROTOCOL_OFFSET), be16(buf, base + SLL_ARPHRD_OFFSET), out, lim);
}

export function decodeSll2(buf: Buffer, out: DecodedSegment, base = 0, lim = buf.length): NetRef | SkipReason {
  if (lim < base + SLL2_HEADER) return 'truncated';
  return cookedPayload(buf, base + SLL2_HEADER, be16(buf, base), be16(buf, base + SLL2_ARPHRD_OFFSET), out, lim);
}

function cookedPayload(buf: Buffer, off: number, protocol: number, arphrd: number, out: DecodedSegment, lim: number): NetRef | SkipReason {
  if (arphrd === ARPHRD_NETLINK) return 'not_tcp';
  if (protocol === ETH_P_802_2) return decodeLlcSnap(buf, off, lim);
  if (protocol < MIN_ETHERTYPE) return 'not_tcp';
  return walkEtherType(buf, off, protocol, out, lim);
}
