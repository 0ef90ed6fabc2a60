// Composes the link, tunnel, IP and TCP decoders: RawFrame (borrowed) → the caller's one reusable
// DecodedSegment, or the SkipReason counted in mailtap_packets_total. Walks encapsulations (GRE,
// ERSPAN, VXLAN, Geneve, MPLS, PPPoE) down to the innermost TCP, at most maxTunnels deep. Owns no
// state; allocates nothing on the success path beyond the borrowed subarray views. A frame that is
// a window of a read buffer (RawFrame.buf/off) is decoded in place: every layer is bounded by `lim`,
// the end of the frame's bytes, never by buf.length.
import type { RawFrame } from '../capture/types.js';
import type { DecodedSegment, DecodeOutcome, SkipReason } from './types.js';
import { ReusableSegment } from './segment.js';
import { decodeLink } from './link.js';
import { NET_ETHER, NET_IPV4, NET_IPV6, NET_IP_ANY, NET_MPLS, NET_PPPOE, netKind, netOffset, type NetRef } from './net-ref.js';
import { decodeEthernetAt } from './ethernet.js';
import { decodeIpv4, isIpv4TsoLength } from './ipv4.js';
import { decodeIpv6, hasPendingRoute } from './ipv6.js';
import { decodeTcp } from './tcp.js';
import { decodeGre } from './gre.js';
import { decodeUdpTunnel } from './udp-tunnel.js';
import { decodeMpls, decodePppoe } from './mpls-pppoe.js';
import { DEFAULT_TUNNEL_DEPTH } from './tunnel-path.js';
import { tcpChecksumOk4, tcpChecksumOk6 } from './checksum.js';

export { DEFAULT_TUNNEL_DEPTH } from './tunnel-path.js';

/**
 * NetRef packs offsets in 24 bits (net-ref.ts); a window whose end lies beyond this in its read
 * buffer (a pcapng block past 16 MiB) is decoded from its own view instead. The slack covers the
 * few bytes a tunnel decoder may point past the end before the next layer finds it truncated.
 */
const MAX_WINDOW_END = 0xffffff - 64;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_GRE = 47;

/** The reusable segment a decoder fills per packet (its payload view made only when read: segment.ts). */
export function newDecodedSegment(): DecodedSegment {
  return new ReusableSegment();
}

/**
 * Returns null when `out` holds the frame's TCP segment, else why not ('fragment': out.frag says
 * which). Checksums are verified only when asked (SPEC §4: offloaded checksums on the sending host
 * are unfinished) and only over fully captured segments; a TSO placeholder length (IPv4 total
 * length 0) or an IPv6 routing header with segments left (final destination unknown) leaves the
 * TCP sum unjudged.
 */
export function decodePacket(frame: RawFrame, out: DecodedSegment, verifyChecksums: boolean, maxTunnels = DEFAULT_TUNNEL_DEPTH): DecodeOutcome {
  const win = frame.buf;
  if (win !== undefined) {
    // The frame is a window of a read buffer (capture/frame-window.ts): decoded in place, no view.
    const base = frame.off ?? 0;
    const lim = base + frame.caplen;
    if (lim <= MAX_WINDOW_END && lim <= win.length) {
      const r = decodeFrame(frame, win, base, lim, out, verifyChecksums, maxTunnels);
      // A fragment's offsets (FragmentView) are into the frame's own bytes, which the
      // defragmenter reads: it is decoded again below, from its view (fragments are rare).
      if (r !== 'fragment') return r;
    }
  }
  const data = frame.data;
  return decodeFrame(frame, data, 0, data.length, out, verifyChecksums, maxTunnels);
}

/** The frame's bytes are `buf[base, lim)`. */
function decodeFrame(frame: RawFrame, buf: Buffer, base: number, lim: number, out: DecodedSegment, verify: boolean, maxTunnels: number): DecodeOutcome {
  out.vlanCount = 0;
  out.tunnelCount = 0;
  out.tunnelPath = 0;
  out.tsMicros = frame.tsMicros;
  const ref = decodeLink(frame.linkType, buf, out, base, lim);
  if (typeof ref === 'string') return ref;
  return decodeFrom(buf, ref, out, verify, maxTunnels, lim);
}

/**
 * Decodes a whole IP datagram in `buf` (the defragmenter's reassembly) into `out`, continuing the
 * VLAN and tunnel context already in `out` (the first fragment's): a reassembled datagram may
 * itself be a tunnel.
 */
export function decodeDatagram(buf: Buffer, out: DecodedSegment, verifyChecksums: boolean, maxTunnels = DEFAULT_TUNNEL_DEPTH): DecodeOutcome {
  return decodeFrom(buf, NET_IP_ANY, out, verifyChecksums, maxTunnels, buf.length);
}

/**
 * Every step either returns or crosses one tunnel layer (counted against maxTunnels), or moves
 * from an Ethernet/MPLS/PPPoE header to the IP header it names: the loop is bounded.
 */
function decodeFrom(buf: Buffer, first: NetRef, out: DecodedSegment, verify: boolean, maxTunnels: number, lim: number): DecodeOutcome {
  let ref = first;
  for (;;) {
    const off = netOffset(ref);
    const kind = netKind(ref);
    let next: NetRef | SkipReason;
    if (kind === NET_ETHER) next = decodeEthernetAt(buf, off, out, lim);
    else if (kind === NET_MPLS) next = decodeMpls(buf, off, out, maxTunnels, lim);
    else if (kind === NET_PPPOE) next = decodePppoe(buf, off, out, maxTunnels, lim);
    else {
      if (off >= lim) return 'truncated';
      // A layer that announced one IP version while the header says another is self-contradictory.
      const version = buf[off]! >> 4;
      const isV4 = version === 4 && kind !== NET_IPV6;
      if (!isV4 && !(version === 6 && kind !== NET_IPV4)) return 'malformed';
      const upper = isV4 ? decodeIpv4(buf, off, out, verify, lim) : decodeIpv6(buf, off, out, lim);
      if (typeof upper === 'string') return upper;
      switch (out.ipProto) {
        case IPPROTO_TCP:
          return decodeTcpAt(buf, off, upper, isV4, out, verify, lim);
        case IPPROTO_GRE:
          next = decodeGre(buf, upper, out, maxTunnels, lim);
          break;
        case IPPROTO_UDP:
          next = decodeUdpTunnel(buf, upper, out.payloadLen, out, maxTunnels, lim);
          break;
        default:
          return 'not_tcp';
      }
    }
    if (typeof next === 'string') return next;
    ref = next;
  }
}

function decodeTcpAt(buf: Buffer, ipOff: number, tcpOff: number, isV4: boolean, out: DecodedSegment, verify: boolean, lim: number): DecodeOutcome {
  const tcpLen = out.payloadLen;
  const skip = decodeTcp(buf, tcpOff, tcpLen, out, lim);
  if (skip !== null) return skip;
  if (verify && tcpOff + tcpLen <= lim) {
    if (isV4) {
      if (!isIpv4TsoLength(buf, ipOff) && !tcpChecksumOk4(buf, ipOff, tcpOff, tcpLen)) return 'bad_checksum';
    } else if (!tcpChecksumOk6(buf, ipOff, tcpOff, tcpLen) && !hasPendingRoute(buf, ipOff, lim)) {
      return 'bad_checksum';
    }
  }
  return null;
}
