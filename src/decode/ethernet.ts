// Ethernet II and IEEE 802.3 framing: VLAN tags (802.1Q, 802.1ad, pre-standard 0x9100 QinQ),
// 802.3 length frames with LLC/SNAP, and the EtherTypes of MPLS and PPPoE sessions (decoded by
// mpls-pppoe.ts). Consumes a borrowed frame, produces a NetRef (next header's offset and kind) or
// a SkipReason; writes VLAN ids into the caller's DecodedSegment only, and only for the outer
// frame: inside a tunnel, tags are walked but `vlan` keeps meaning the capture's own tags.
// Offsets are into `buf`; `lim` (default buf.length) is where the frame's bytes end: a frame may be a
// window of a larger read buffer (capture/frame-window.ts), `base` its start.
import type { DecodedSegment, SkipReason } from './types.js';
import { be16 } from '../shared/be.js';
import { NET_MPLS, NET_PPPOE, netRefForEtherType, type NetRef } from './net-ref.js';

const ETH_HEADER = 14;
const TPID_8021Q = 0x8100;
const TPID_8021AD = 0x88a8;
const TPID_QINQ_OLD = 0x9100;
const VLAN_TAG = 4;
const ETHERTYPE_MPLS = 0x8847;
const ETHERTYPE_MPLS_MULTICAST = 0x8848;
const ETHERTYPE_PPPOE_SESSION = 0x8864;
/**
 * DecodedSegment has room for three ids. A fourth tag is not contradictory, only unsupported:
 * recording three of four would merge distinct flows, so the frame is not_tcp (not followed).
 */
export const MAX_VLAN_TAGS = 3;
/** IEEE 802.3 §3.2.6: values up to 1500 are a length, from 0x0600 an EtherType; between: undefined. */
const MAX_8023_LENGTH = 1500;
const MIN_ETHERTYPE = 0x0600;
/** RFC 1042: LLC DSAP = SSAP = 0xAA, control 0x03 (UI), then OUI(3) + EtherType(2). */
const LLC_SNAP_SAP = 0xaa;
const LLC_UI = 0x03;
const SNAP_HEADER = 8;

/** LINKTYPE_ETHERNET: destination(6) source(6) type/length(2). */
export function decodeEthernet(buf: Buffer, out: DecodedSegment, base = 0, lim = buf.length): NetRef | SkipReason {
  if (lim < base + ETH_HEADER) return 'truncated';
  return walkEtherType(buf, base + ETH_HEADER, be16(buf, base + ETH_HEADER - 2), out, lim);
}

/** An Ethernet frame at `off` inside a tunnel (VXLAN, Geneve, GRE bridging, ERSPAN, pseudowire). */
export function decodeEthernetAt(buf: Buffer, off: number, out: DecodedSegment, lim = buf.length): NetRef | SkipReason {
  if (lim < off + ETH_HEADER) return 'truncated';
  return walkEtherType(buf, off + ETH_HEADER, be16(buf, off + ETH_HEADER - 2), out, lim);
}

/**
 * Follows a type/length field whose value `type` was read just before `off`: VLAN tags (ids
 * recorded outermost first), an 802.3 length (then LLC/SNAP at `off`), or an EtherType.
 */
export function walkEtherType(buf: Buffer, off: number, type: number, out: DecodedSegment, lim = buf.length): NetRef | SkipReason {
  let p = off;
  let t = type;
  const outer = out.tunnelCount === 0;
  while (t === TPID_8021Q || t === TPID_8021AD || t === TPID_QINQ_OLD) {
    if (outer && out.vlanCount === MAX_VLAN_TAGS) return 'not_tcp';
    if (lim < p + VLAN_TAG) return 'truncated';
    if (outer) recordVlan(out, be16(buf, p) & 0x0fff);
    t = be16(buf, p + 2);
    p += VLAN_TAG;
  }
  if (t <= MAX_8023_LENGTH) return decodeLlcSnap(buf, p, lim);
  if (t < MIN_ETHERTYPE) return 'not_tcp';
  if (t === ETHERTYPE_MPLS || t === ETHERTYPE_MPLS_MULTICAST) return NET_MPLS | p;
  if (t === ETHERTYPE_PPPOE_SESSION) return NET_PPPOE | p;
  return netRefForEtherType(t, p);
}

/** An 802.2 LLC header at `off`: only SNAP with the Ethernet OUI 00-00-00 can carry IP (RFC 1042). */
export function decodeLlcSnap(buf: Buffer, off: number, lim = buf.length): NetRef | SkipReason {
  if (lim < off + 3) return 'truncated';
  if (buf[off] !== LLC_SNAP_SAP || buf[off + 1] !== LLC_SNAP_SAP || buf[off + 2] !== LLC_UI) return 'not_tcp';
  if (lim < off + SNAP_HEADER) return 'truncated';
  if (buf[off + 3] !== 0 || buf[off + 4] !== 0 || buf[off + 5] !== 0) return 'not_tcp';
  return netRefForEtherType(be16(buf, off + 6), off + SNAP_HEADER);
}

function recordVlan(out: DecodedSegment, id: number): void {
  switch (out.vlanCount) {
    case 0:
      out.vlan0 = id;
      break;
    case 1:
      out.vlan1 = id;
      break;
    default:
      out.vlan2 = id;
      break;
  }
  out.vlanCount++;
}
