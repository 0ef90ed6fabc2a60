// decode → flow boundary. decodePacket fills ONE reusable DecodedSegment per call (no allocation
// per packet); its `payload` and `srcIp6`/`dstIp6` are BORROWED views into the RawFrame and are
// valid only until the next decode. The reassembler copies what it keeps, once.

/** Why a frame produced no TCP segment; each reason is a label of mailtap_packets_total. */
export type SkipReason =
  | 'not_tcp' // ARP, UDP, ICMP, unknown ethertype or link type …
  | 'truncated' // a header cut short by the snaplen or the frame end
  | 'malformed' // a header that contradicts itself (IHL < 5, TCP data offset < 5, bad IP version …)
  | 'fragment' // an IPv4/IPv6 fragment: counted and skipped (no defragmentation in v1)
  | 'bad_checksum'; // only when capture.verify_checksums is on

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
  /** VLAN ids outermost first; vlanCount of them are valid (up to 3). */
  vlanCount: number;
  vlan0: number;
  vlan1: number;
  vlan2: number;
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
