// Link-level encapsulations found behind an EtherType: MPLS label stacks (RFC 3032) and PPPoE
// sessions (RFC 2516). Consumes a borrowed frame at the label stack / PPPoE header; produces the
// NetRef of the payload and records the layer (one `mpls` for a whole stack). Pure; no state.
import type { DecodedSegment, SkipReason } from './types.js';
import { Tunnel } from './types.js';
import { be16 } from '../shared/be.js';
import { NET_ETHER, NET_IPV4, NET_IPV6, type NetRef } from './net-ref.js';
import { enterTunnel } from './tunnel-path.js';

const LABEL_ENTRY = 4;
const BOTTOM_OF_STACK = 0x01; // bit 8 of the entry: byte 2's low bit
/** RFC 3032 §2.1 reserved labels that name the payload: IPv4 / IPv6 explicit NULL. */
const LABEL_IPV4_NULL = 0;
const LABEL_IPV6_NULL = 2;
/** RFC 4385: a pseudowire control word starts with nibble 0; an Ethernet frame follows (RFC 4448). */
const CONTROL_WORD = 4;

/**
 * The payload after the bottom label has no type field: explicit NULL labels name it, else the
 * first nibble does (4 IPv4, 6 IPv6, 0 an Ethernet pseudowire's control word), as Wireshark and
 * Suricata guess. Anything else (an Ethernet pseudowire without control word, G-ACh) is not_tcp.
 */
export function decodeMpls(buf: Buffer, off: number, out: DecodedSegment, maxTunnels: number, lim = buf.length): NetRef | SkipReason {
  let p = off;
  let label = 0;
  for (;;) {
    if (lim < p + LABEL_ENTRY) return 'truncated';
    label = (buf[p]! << 12) | (buf[p + 1]! << 4) | (buf[p + 2]! >> 4);
    const bottom = (buf[p + 2]! & BOTTOM_OF_STACK) !== 0;
    p += LABEL_ENTRY;
    if (bottom) break;
  }
  if (lim <= p) return 'truncated';
  let ref: NetRef;
  const nibble = buf[p]! >> 4;
  if (label === LABEL_IPV4_NULL || (label !== LABEL_IPV6_NULL && nibble === 4)) ref = NET_IPV4 | p;
  else if (label === LABEL_IPV6_NULL || nibble === 6) ref = NET_IPV6 | p;
  else if (nibble === 0) ref = NET_ETHER | (p + CONTROL_WORD);
  else return 'not_tcp';
  return enterTunnel(out, Tunnel.MPLS, maxTunnels) ? ref : 'tunnel_depth';
}

const PPPOE_HEADER = 6;
const PPPOE_VER_TYPE = 0x11;
const PPPOE_SESSION_DATA = 0x00;
/** PPP protocol numbers (RFC 1332, RFC 5072). */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/**
 * RFC 2516 §5: version/type 0x11, code 0 (session data), session id, length, then the PPP
 * protocol field (RFC 1661 §2; a compressed one-byte field is accepted: its value is odd).
 */
export function decodePppoe(buf: Buffer, off: number, out: DecodedSegment, maxTunnels: number, lim = buf.length): NetRef | SkipReason {
  if (lim < off + PPPOE_HEADER + 1) return 'truncated';
  if (buf[off] !== PPPOE_VER_TYPE || buf[off + 1] !== PPPOE_SESSION_DATA) return 'not_tcp';
  let p = off + PPPOE_HEADER;
  let proto: number;
  if (buf[p]! & 1) {
    proto = buf[p]!;
    p += 1;
  } else {
    if (lim < p + 2) return 'truncated';
    proto = be16(buf, p);
    p += 2;
  }
  let ref: NetRef;
  if (proto === PPP_IPV4) ref = NET_IPV4 | p;
  else if (proto === PPP_IPV6) ref = NET_IPV6 | p;
  else return 'not_tcp';
  return enterTunnel(out, Tunnel.PPPOE, maxTunnels) ? ref : 'tunnel_depth';
}
