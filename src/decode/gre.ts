// GRE (RFC 2784, keys and sequence numbers RFC 2890) and the ERSPAN headers mirror sessions put
// inside it (Cisco ERSPAN type II and III, draft-foschiano-erspan-03). Consumes a borrowed frame
// at the GRE header; produces the NetRef of what it carries and records the layer (gre, erspan2 or
// erspan3: ERSPAN is named instead of the GRE that carries it, as SPEC §3's example shows).
import type { DecodedSegment, SkipReason } from './types.js';
import { Tunnel } from './types.js';
import { be16 } from '../shared/be.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, NET_ETHER, NET_IP_ANY, NET_IPV4, NET_IPV6, NET_MPLS, type NetRef } from './net-ref.js';
import { enterTunnel } from './tunnel-path.js';

const GRE_BASE = 4;
const FLAG_CHECKSUM = 0x8000;
/** RFC 1701 source routing: obsolete (RFC 2784 §2.1), variable-length; not followed. */
const FLAG_ROUTING = 0x4000;
const FLAG_KEY = 0x2000;
const FLAG_SEQUENCE = 0x1000;
/** Version 1 is PPTP's enhanced GRE (RFC 2637), which carries PPP: not followed. */
const VERSION_MASK = 0x0007;
const PROTO_TEB = 0x6558; // transparent Ethernet bridging
const PROTO_MPLS = 0x8847;
const PROTO_MPLS_MULTICAST = 0x8848;
const PROTO_ERSPAN2 = 0x88be; // also type I, which has no ERSPAN header and no sequence number
const PROTO_ERSPAN3 = 0x22eb;
const ERSPAN2_HEADER = 8;
const ERSPAN3_HEADER = 12;
/** ERSPAN III with the O flag: an 8-byte platform-specific subheader follows. */
const ERSPAN3_PLATFORM = 8;
/** ERSPAN III frame types (FT): 0 Ethernet, 2 IP (draft-foschiano-erspan-03 §4.3). */
const FT_ETHERNET = 0;
const FT_IP = 2;

/** `off` is the GRE header (after the outer IP header); the frame's bytes from there on, up to `lim`. */
export function decodeGre(buf: Buffer, off: number, out: DecodedSegment, maxTunnels: number, lim = buf.length): NetRef | SkipReason {
  if (lim < off + GRE_BASE) return 'truncated';
  const flags = be16(buf, off);
  if ((flags & VERSION_MASK) !== 0 || (flags & FLAG_ROUTING) !== 0) return 'not_tcp';
  const proto = be16(buf, off + 2);
  let p = off + GRE_BASE;
  if (flags & FLAG_CHECKSUM) p += 4;
  if (flags & FLAG_KEY) p += 4;
  if (flags & FLAG_SEQUENCE) p += 4;
  if (lim < p) return 'truncated';
  switch (proto) {
    case ETHERTYPE_IPV4:
      return enterTunnel(out, Tunnel.GRE, maxTunnels) ? NET_IPV4 | p : 'tunnel_depth';
    case ETHERTYPE_IPV6:
      return enterTunnel(out, Tunnel.GRE, maxTunnels) ? NET_IPV6 | p : 'tunnel_depth';
    case PROTO_TEB:
      return enterTunnel(out, Tunnel.GRE, maxTunnels) ? NET_ETHER | p : 'tunnel_depth';
    case PROTO_MPLS:
    case PROTO_MPLS_MULTICAST:
      return enterTunnel(out, Tunnel.GRE, maxTunnels) ? NET_MPLS | p : 'tunnel_depth';
    case PROTO_ERSPAN2:
      return erspan2(buf, p, (flags & FLAG_SEQUENCE) !== 0, out, maxTunnels, lim);
    case PROTO_ERSPAN3:
      return erspan3(buf, p, out, maxTunnels, lim);
    default:
      return 'not_tcp';
  }
}

/**
 * Type II (version 1) has an 8-byte header and GRE's S flag set; type I, told apart by its missing
 * sequence number, has no header at all. Both carry the mirrored Ethernet frame and are reported
 * as erspan2 (SPEC §3 has no name for the rare type I).
 */
function erspan2(buf: Buffer, p: number, hasSequence: boolean, out: DecodedSegment, maxTunnels: number, lim: number): NetRef | SkipReason {
  let inner = p;
  if (hasSequence) {
    if (lim < p + ERSPAN2_HEADER) return 'truncated';
    if (buf[p]! >> 4 !== 1) return 'malformed';
    inner = p + ERSPAN2_HEADER;
  }
  return enterTunnel(out, Tunnel.ERSPAN2, maxTunnels) ? NET_ETHER | inner : 'tunnel_depth';
}

/** Type III (version 2): 12 bytes, then an optional platform subheader; FT says Ethernet or IP. */
function erspan3(buf: Buffer, p: number, out: DecodedSegment, maxTunnels: number, lim: number): NetRef | SkipReason {
  if (lim < p + ERSPAN3_HEADER) return 'truncated';
  if (buf[p]! >> 4 !== 2) return 'malformed';
  const word = be16(buf, p + 10);
  const ft = (word >> 10) & 0x1f;
  let inner = p + ERSPAN3_HEADER;
  if (word & 1) inner += ERSPAN3_PLATFORM;
  if (lim < inner) return 'truncated';
  if (ft !== FT_ETHERNET && ft !== FT_IP) return 'not_tcp';
  if (!enterTunnel(out, Tunnel.ERSPAN3, maxTunnels)) return 'tunnel_depth';
  return (ft === FT_ETHERNET ? NET_ETHER : NET_IP_ANY) | inner;
}
