// The UDP tunnels a mirror or an overlay network delivers: VXLAN (RFC 7348, port 4789) and Geneve
// (RFC 8926, port 6081), recognised by their IANA port on either side, as Wireshark does: senders
// put it in the destination, but captured replies and some test generators have it as the source
// (ephemeral ports never fall on 4789 or 6081). Consumes a borrowed frame at the UDP header;
// produces the NetRef of the inner frame and records the layer. Any other UDP is not_tcp.
import type { DecodedSegment, SkipReason } from './types.js';
import { Tunnel } from './types.js';
import { be16 } from '../shared/be.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, NET_ETHER, NET_IPV4, NET_IPV6, type NetRef } from './net-ref.js';
import { enterTunnel } from './tunnel-path.js';

const UDP_HEADER = 8;
export const VXLAN_PORT = 4789;
export const GENEVE_PORT = 6081;
const VXLAN_HEADER = 8;
/** RFC 7348 §5: the I flag says the VNI is valid; it MUST be set. */
const VXLAN_FLAG_I = 0x08;
const GENEVE_BASE = 8;
const PROTO_TEB = 0x6558;

/** `wireLen` is the UDP length the IP header announces (header included). */
export function decodeUdpTunnel(buf: Buffer, off: number, wireLen: number, out: DecodedSegment, maxTunnels: number, lim = buf.length): NetRef | SkipReason {
  if (wireLen < UDP_HEADER) return 'malformed';
  if (lim < off + UDP_HEADER) return 'truncated';
  const src = be16(buf, off);
  const dst = be16(buf, off + 2);
  const p = off + UDP_HEADER;
  if (dst === VXLAN_PORT || (src === VXLAN_PORT && dst !== GENEVE_PORT)) return vxlan(buf, p, out, maxTunnels, lim);
  if (dst === GENEVE_PORT || src === GENEVE_PORT) return geneve(buf, p, out, maxTunnels, lim);
  return 'not_tcp';
}

function vxlan(buf: Buffer, p: number, out: DecodedSegment, maxTunnels: number, lim: number): NetRef | SkipReason {
  if (lim < p + VXLAN_HEADER) return 'truncated';
  if ((buf[p]! & VXLAN_FLAG_I) === 0) return 'not_tcp';
  return enterTunnel(out, Tunnel.VXLAN, maxTunnels) ? NET_ETHER | (p + VXLAN_HEADER) : 'tunnel_depth';
}

/** RFC 8926 §3.4: version 0; options of Opt Len 4-byte words; the protocol type is an EtherType. */
function geneve(buf: Buffer, p: number, out: DecodedSegment, maxTunnels: number, lim: number): NetRef | SkipReason {
  if (lim < p + GENEVE_BASE) return 'truncated';
  const first = buf[p]!;
  if (first >> 6 !== 0) return 'not_tcp';
  const inner = p + GENEVE_BASE + (first & 0x3f) * 4;
  if (lim < inner) return 'truncated';
  const proto = be16(buf, p + 2);
  let kind: number;
  if (proto === PROTO_TEB) kind = NET_ETHER;
  else if (proto === ETHERTYPE_IPV4) kind = NET_IPV4;
  else if (proto === ETHERTYPE_IPV6) kind = NET_IPV6;
  else return 'not_tcp';
  return enterTunnel(out, Tunnel.GENEVE, maxTunnels) ? kind | inner : 'tunnel_depth';
}
