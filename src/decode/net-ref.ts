// What a link-layer decoder hands to the network layer, packed into one number so the hot path
// allocates nothing: the offset of the IP header plus which IP the link layer announced.
// Link decoders return NetRef | SkipReason (a string constant, never allocated). Pure; no state.

/** The link layer said IPv4 (EtherType 0x0800, AF_INET, LINKTYPE_IPV4). */
export const NET_IPV4 = 0x1000000;
/** The link layer said IPv6 (EtherType 0x86DD, AF_INET6 variants, LINKTYPE_IPV6). */
export const NET_IPV6 = 0x2000000;
/** The link layer does not say (LINKTYPE_RAW): the version nibble decides. */
export const NET_IP_ANY = 0x3000000;

/**
 * An Ethernet header (destination, source, type) starts here: the payload of a tunnel that carries
 * whole frames (GRE transparent bridging, ERSPAN, VXLAN, Geneve, an MPLS pseudowire).
 */
export const NET_ETHER = 0x4000000;
/** An MPLS label stack starts here (EtherType 0x8847/0x8848, GRE protocol 0x8847). */
export const NET_MPLS = 0x5000000;
/** A PPPoE session header starts here (EtherType 0x8864). */
export const NET_PPPOE = 0x6000000;

const OFFSET_MASK = 0xffffff;
const KIND_MASK = 0x7000000;

/** A packed (kind, offset) pair; offsets (link and tunnel headers) stay below 16 MiB, as frames do. */
export type NetRef = number;

export function netRef(kind: number, offset: number): NetRef {
  return kind | offset;
}

export function netOffset(ref: NetRef): number {
  return ref & OFFSET_MASK;
}

export function netKind(ref: NetRef): number {
  return ref & KIND_MASK;
}

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

/** Maps an EtherType at `offset` to a NetRef, or not_tcp for anything that is not IP. */
export function netRefForEtherType(etherType: number, offset: number): NetRef | 'not_tcp' {
  if (etherType === ETHERTYPE_IPV4) return NET_IPV4 | offset;
  if (etherType === ETHERTYPE_IPV6) return NET_IPV6 | offset;
  return 'not_tcp';
}
