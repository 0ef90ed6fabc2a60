// A small, independent TCP/IP reader for the variant script: from one pcap record (Ethernet with
// VLAN tags, BSD loopback, raw IP) to the segment's endpoints, sequence number, flags and payload.
// Deliberately not mailtap's decoder: the variants must not inherit the bugs they are meant to find.
// Stateless; consumes record bytes, produces TcpView or null (not IPv4/IPv6 TCP, or cut short).

export interface TcpView {
  /** Canonical connection key: both endpoints, the lower one first (same for both directions). */
  key: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  flags: number;
  /** Payload bytes as captured (a view). */
  payload: Buffer;
  /** Payload length on the wire, from the IP length fields. */
  wireLen: number;
  /** Offset of the Ethernet type field that follows the MAC addresses, -1 when not Ethernet. */
  etherTypeOff: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LOOP = 108;

function ipv6Text(b: Buffer, off: number): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(off + i).toString(16));
  // The WHATWG URL parser prints IPv6 hosts in the RFC 5952 canonical form (zero runs collapsed).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** Offset of the IP header and the link's view of it, or -1 when the frame carries no IP. */
function ipOffset(linkType: number, d: Buffer): number {
  if (linkType === LINKTYPE_ETHERNET) {
    let off = 12;
    while (off + 2 <= d.length) {
      const t = d.readUInt16BE(off);
      if (t === 0x8100 || t === 0x88a8 || t === 0x9100) off += 4;
      else return t === 0x0800 || t === 0x86dd ? off + 2 : -1;
    }
    return -1;
  }
  if (linkType === LINKTYPE_NULL || linkType === LINKTYPE_LOOP) return 4;
  if (linkType === LINKTYPE_RAW) return 0;
  return -1;
}

/** The same text for both directions of a connection (events name it by the src and dst fields). */
export function connKey(ipA: string, portA: number, ipB: string, portB: number): string {
  const a = `${ipA}/${portA}`;
  const b = `${ipB}/${portB}`;
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

/** The TCP segment in a record, or null. */
export function tcpView(linkType: number, d: Buffer): TcpView | null {
  const ip = ipOffset(linkType, d);
  if (ip < 0 || ip >= d.length) return null;
  const version = d[ip]! >> 4;
  let tcp: number;
  let end: number;
  let srcIp: string;
  let dstIp: string;
  if (version === 4) {
    if (ip + 20 > d.length || d[ip + 9] !== 6) return null;
    tcp = ip + (d[ip]! & 0x0f) * 4;
    end = ip + d.readUInt16BE(ip + 2);
    srcIp = `${d[ip + 12]}.${d[ip + 13]}.${d[ip + 14]}.${d[ip + 15]}`;
    dstIp = `${d[ip + 16]}.${d[ip + 17]}.${d[ip + 18]}.${d[ip + 19]}`;
  } else if (version === 6) {
    // Extension headers do not occur in the captures this script edits.
    if (ip + 40 > d.length || d[ip + 6] !== 6) return null;
    tcp = ip + 40;
    end = tcp + d.readUInt16BE(ip + 4);
    srcIp = ipv6Text(d, ip + 8);
    dstIp = ipv6Text(d, ip + 24);
  } else return null;
  if (tcp + 20 > d.length) return null;
  const payloadOff = tcp + (d[tcp + 12]! >> 4) * 4;
  const srcPort = d.readUInt16BE(tcp);
  const dstPort = d.readUInt16BE(tcp + 2);
  return {
    key: connKey(srcIp, srcPort, dstIp, dstPort),
    srcIp,
    dstIp,
    srcPort,
    dstPort,
    seq: d.readUInt32BE(tcp + 4),
    flags: d[tcp + 13]!,
    payload: d.subarray(Math.min(payloadOff, d.length), Math.min(end, d.length)),
    wireLen: Math.max(0, end - payloadOff),
    etherTypeOff: linkType === LINKTYPE_ETHERNET ? 12 : -1,
  };
}
