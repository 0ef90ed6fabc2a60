// decode → flow boundary. decodePacket fills ONE reusable DecodedSegment per call (no allocation
// per packet); its `payload` and `srcIp6`/`dstIp6` are BORROWED views into the RawFrame and are
// valid only until the next decode. The reassembler copies what it keeps, once.
// A fragment is not a segment: decodePacket returns 'fragment' and describes it in `frag` (views
// too) for the stateful defragmenter (src/defrag) that sits between decode and flow.

/** Why a frame produced no TCP segment; each reason is a label of mailtap_packets_total. */
export type SkipReason =
  | 'not_tcp' // ARP, UDP, ICMP, unknown ethertype or link type …
  | 'truncated' // a header cut short by the snaplen or the frame end
  | 'malformed' // a header that contradicts itself (IHL < 5, TCP data offset < 5, bad IP version …)
  | 'fragment' // an IPv4/IPv6 fragment: described in `frag`, handed to the defragmenter
  | 'bad_checksum' // only when capture.verify_checksums is on
  | 'tunnel_depth' // more nested encapsulations than capture.max_tunnel_depth (not followed)
  | 'unsupported_link'; // a LINKTYPE mailtap has no decoder for (802.11, …): reported once per file

/** Encapsulation names of SPEC §3 `tunnel`, indexed by the 3-bit codes packed in tunnelPath. */
export const TUNNEL_NAMES = ['gre', 'erspan2', 'erspan3', 'vxlan', 'geneve', 'mpls', 'pppoe'] as const;
export type TunnelName = (typeof TUNNEL_NAMES)[number];
export const Tunnel = { GRE: 0, ERSPAN2: 1, ERSPAN3: 2, VXLAN: 3, GENEVE: 4, MPLS: 5, PPPOE: 6 } as const;
/** Bits per layer in tunnelPath; 10 layers fit a Smi (the depth limit's maximum). */
export const TUNNEL_BITS = 3;
export const MAX_TUNNEL_DEPTH = 10;

const tunnelLists = new Map<number, readonly TunnelName[]>();

/**
 * The `tunnel` list of a (count, path) pair, outermost first. Lists are interned (one frozen array
 * per distinct path, a handful in practice), so a flow keeps a shared reference, not a copy.
 */
export function tunnelList(count: number, path: number): readonly TunnelName[] {
  const key = count * 2 ** (TUNNEL_BITS * MAX_TUNNEL_DEPTH) + path;
  let list = tunnelLists.get(key);
  if (list === undefined) {
    const names: TunnelName[] = [];
    for (let i = 0; i < count; i++) names.push(TUNNEL_NAMES[(path >>> (TUNNEL_BITS * i)) & 7]!);
    list = Object.freeze(names);
    tunnelLists.set(key, list);
  }
  return list;
}

/**
 * One IP fragment, as decode found it (valid when decodePacket returned 'fragment'). Offsets are
 * into the frame's data; the defragmenter copies what it keeps.
 */
export interface FragmentView {
  family: 4 | 6;
  /** Offset of the (innermost) IP header in the frame. */
  ipOff: number;
  /** Bytes from ipOff to the fragmentable part: IPv4 header length, or IPv6 header + extension headers before the Fragment header. */
  headerLen: number;
  /** IPv6: offset in the frame of the next-header byte that names the Fragment header (patched on reassembly). */
  nhOff: number;
  /** IPv4 protocol, or the IPv6 Fragment header's next header. */
  proto: number;
  /** IPv4 identification (16 bits) or IPv6 fragment identification (32 bits). */
  id: number;
  /** Fragment offset in bytes. */
  offset: number;
  /** More fragments follow (MF / M flag). */
  more: boolean;
  /** Offset and wire length of the fragment's data in the frame. */
  dataOff: number;
  dataLen: number;
}

export interface DecodedSegment {
  tsMicros: number;
  /** 4 or 6. */
  family: 4 | 6;
  /** IPv4 addresses as unsigned 32-bit numbers (family 4). */
  srcIp4: number;
  dstIp4: number;
  /** IPv6 addresses (family 6): BORROWED 16-byte views. */
  srcIp6: Buffer | null;
  dstIp6: Buffer | null;
  srcPort: number;
  dstPort: number;
  seq: number; // unsigned 32-bit
  ack: number; // unsigned 32-bit
  /** TCP flag bits, see TcpFlags. */
  flags: number;
  window: number;
  /** BORROWED TCP payload as captured (may be shorter than payloadLen when the snaplen cut it). */
  payload: Buffer;
  /** TCP payload length on the wire from the IP length fields. payloadLen - payload.length bytes are missing. */
  payloadLen: number;
  /** The innermost IP header's protocol / final next header (6 for every segment decodePacket accepts). */
  ipProto: number;
  /** VLAN ids outermost first; vlanCount of them are valid (up to 3). */
  vlanCount: number;
  vlan0: number;
  vlan1: number;
  vlan2: number;
  /** Encapsulation layers crossed, outermost first, TUNNEL_BITS each (codes of Tunnel); see tunnelList. */
  tunnelCount: number;
  tunnelPath: number;
  /** Set by decodePacket when it returns 'fragment'. */
  frag: FragmentView;
}

export const TcpFlags = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** decodePacket(frame, out) returns null when `out` now holds a TCP segment, else why not. */
export type DecodeOutcome = SkipReason | null;
