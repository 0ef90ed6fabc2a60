// IPv6 header decoder (RFC 8200) with its extension-header chain: hop-by-hop, routing,
// destination options, fragment (atomic fragments pass, RFC 6946), AH (RFC 4302 length rule).
// Consumes a borrowed frame at `off`; fills the caller's DecodedSegment (addresses as borrowed
// views, ipProto) and leaves the upper layer's wire length in out.payloadLen, or describes a
// fragment in out.frag.
import type { DecodedSegment, SkipReason } from './types.js';
import { be16 } from '../shared/be.js';

const FIXED_HEADER = 40;
const NH_HOP_BY_HOP = 0;
const NH_TCP = 6;
const NH_UDP = 17;
const NH_GRE = 47;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_AH = 51;
const NH_DEST_OPTS = 60;
const FRAGMENT_HEADER = 8;
/** Fragment offset (13 bits) and the M flag; the two reserved bits between them are ignored. */
const FRAGMENT_OFFSET_MASK = 0xfff8;
const FRAGMENT_MORE = 0x0001;
/** Routing header byte 3 (RFC 8200 §4.4): route segments still to visit before the final destination. */
const SEGMENTS_LEFT = 3;

/**
 * Returns the offset of the upper-layer header (TCP, UDP, GRE; its number in out.ipProto), or why
 * there is none; 'fragment' with out.frag filled for a non-atomic fragment. Payload length 0
 * announces a jumbogram (RFC 2675), which no Ethernet link carries: malformed. ESP (50), No Next
 * Header (59) and every other next header end the chain as not_tcp. An extension header reaching
 * past the payload length is malformed; past the captured bytes, truncated.
 */
export function decodeIpv6(buf: Buffer, off: number, out: DecodedSegment, lim = buf.length): number | SkipReason {
  if (lim - off < FIXED_HEADER) return 'truncated';
  if (buf[off]! >> 4 !== 6) return 'malformed';
  const payloadLen = be16(buf, off + 4);
  if (payloadLen === 0) return 'malformed';
  const end = off + FIXED_HEADER + payloadLen;
  let nh = buf[off + 6]!;
  let p = off + FIXED_HEADER;
  /** Where the next-header byte naming the current header sits (patched when reassembling). */
  let nhOff = off + 6;
  while (nh !== NH_TCP && nh !== NH_UDP && nh !== NH_GRE) {
    let len: number;
    if (nh === NH_HOP_BY_HOP || nh === NH_ROUTING || nh === NH_DEST_OPTS || nh === NH_AH) {
      if (p + 2 > end) return 'malformed';
      if (p + 2 > lim) return 'truncated';
      // RFC 8200 §4.3-4.6: 8-octet units not counting the first; RFC 4302 §2.2: AH counts 4-octet units minus 2.
      len = nh === NH_AH ? (buf[p + 1]! + 2) * 4 : (buf[p + 1]! + 1) * 8;
    } else if (nh === NH_FRAGMENT) {
      len = FRAGMENT_HEADER;
    } else {
      return 'not_tcp';
    }
    if (p + len > end) return 'malformed';
    if (p + len > lim) return 'truncated';
    if (nh === NH_FRAGMENT) {
      const word = be16(buf, p + 2);
      if ((word & FRAGMENT_OFFSET_MASK) !== 0 || (word & FRAGMENT_MORE) !== 0) return fragment(buf, off, p, nhOff, end, out);
    }
    nhOff = p;
    nh = buf[p]!;
    p += len;
  }
  setAddresses(buf, off, out);
  out.ipProto = nh;
  out.payloadLen = end - p;
  return p;
}

function setAddresses(buf: Buffer, off: number, out: DecodedSegment): void {
  out.family = 6;
  out.srcIp4 = 0;
  out.dstIp4 = 0;
  out.srcIp6 = buf.subarray(off + 8, off + 24);
  out.dstIp6 = buf.subarray(off + 24, off + 40);
}

/**
 * RFC 8200 §4.5: the unfragmentable part is everything before the Fragment header at `p`; the
 * fragmentable part follows it. Reassembly needs the Fragment header's next header and the byte
 * (at nhOff) that named it, to patch.
 */
function fragment(buf: Buffer, off: number, p: number, nhOff: number, end: number, out: DecodedSegment): 'fragment' {
  setAddresses(buf, off, out);
  const f = out.frag;
  f.family = 6;
  f.ipOff = off;
  f.headerLen = p - off;
  f.nhOff = nhOff;
  f.proto = buf[p]!;
  f.id = (((buf[p + 4]! << 24) | (buf[p + 5]! << 16) | (buf[p + 6]! << 8) | buf[p + 7]!) >>> 0);
  const word = be16(buf, p + 2);
  f.offset = word & FRAGMENT_OFFSET_MASK;
  f.more = (word & FRAGMENT_MORE) !== 0;
  f.dataOff = p + FRAGMENT_HEADER;
  f.dataLen = end - f.dataOff;
  out.ipProto = f.proto;
  return 'fragment';
}

/**
 * True when the chain of an IPv6 packet that decodeIpv6 accepted holds a routing header with
 * segments left: the header's destination is then not the final one, which the TCP pseudo-header
 * uses (RFC 8200 §8.1), so the checksum cannot be judged from the header alone. Only asked on the
 * rare failure path, so the walk is repeated rather than recorded for every packet.
 */
export function hasPendingRoute(buf: Buffer, off: number, lim = buf.length): boolean {
  let nh = buf[off + 6]!;
  let p = off + FIXED_HEADER;
  // The bound only guards against a caller that skipped decodeIpv6; an accepted chain never hits it.
  while (nh !== NH_TCP && p + 4 <= lim) {
    if (nh === NH_ROUTING && buf[p + SEGMENTS_LEFT] !== 0) return true;
    const len = nh === NH_FRAGMENT ? FRAGMENT_HEADER : nh === NH_AH ? (buf[p + 1]! + 2) * 4 : (buf[p + 1]! + 1) * 8;
    nh = buf[p]!;
    p += len;
  }
  return false;
}
