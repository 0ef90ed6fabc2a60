// Composes the link, IP and TCP decoders: RawFrame (borrowed) → the caller's one reusable
// DecodedSegment, or the SkipReason counted in mailtap_packets_total. Owns no state; allocates
// nothing on the success path beyond the borrowed subarray views (payload, IPv6 addresses).
import type { RawFrame } from '../capture/types.js';
import type { DecodedSegment, DecodeOutcome } from './types.js';
import { decodeLink } from './link.js';
import { NET_IPV4, NET_IPV6, netKind, netOffset } from './net-ref.js';
import { decodeIpv4, isIpv4TsoLength } from './ipv4.js';
import { decodeIpv6, hasPendingRoute } from './ipv6.js';
import { decodeTcp } from './tcp.js';
import { tcpChecksumOk4, tcpChecksumOk6 } from './checksum.js';

const EMPTY = Buffer.alloc(0);

export function newDecodedSegment(): DecodedSegment {
  return {
    tsMicros: 0,
    family: 4,
    srcIp4: 0,
    dstIp4: 0,
    srcIp6: null,
    dstIp6: null,
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    payload: EMPTY,
    payloadLen: 0,
    vlanCount: 0,
    vlan0: 0,
    vlan1: 0,
    vlan2: 0,
  };
}

/**
 * Returns null when `out` holds the frame's TCP segment, else why not. Checksums are verified only
 * when asked (SPEC §4: offloaded checksums on the sending host are unfinished) and only over
 * fully captured segments; a TSO placeholder length (IPv4 total length 0) or an IPv6 routing
 * header with segments left (final destination unknown) leaves the TCP sum unjudged.
 */
export function decodePacket(frame: RawFrame, out: DecodedSegment, verifyChecksums: boolean): DecodeOutcome {
  const buf = frame.data;
  out.vlanCount = 0;
  const ref = decodeLink(frame.linkType, buf, out);
  if (typeof ref === 'string') return ref;
  const ipOff = netOffset(ref);
  const kind = netKind(ref);
  if (ipOff >= buf.length) return 'truncated';
  // A link layer that announced one IP version while the header says another is self-contradictory.
  const version = buf[ipOff]! >> 4;
  const isV4 = version === 4 && kind !== NET_IPV6;
  if (!isV4 && !(version === 6 && kind !== NET_IPV4)) return 'malformed';
  const tcpOff = isV4 ? decodeIpv4(buf, ipOff, out, verifyChecksums) : decodeIpv6(buf, ipOff, out);
  if (typeof tcpOff === 'string') return tcpOff;
  const tcpLen = out.payloadLen;
  const skip = decodeTcp(buf, tcpOff, tcpLen, out);
  if (skip !== null) return skip;
  if (verifyChecksums && tcpOff + tcpLen <= buf.length) {
    if (isV4) {
      if (!isIpv4TsoLength(buf, ipOff) && !tcpChecksumOk4(buf, ipOff, tcpOff, tcpLen)) return 'bad_checksum';
    } else if (!tcpChecksumOk6(buf, ipOff, tcpOff, tcpLen) && !hasPendingRoute(buf, ipOff)) {
      return 'bad_checksum';
    }
  }
  out.tsMicros = frame.tsMicros;
  return null;
}
