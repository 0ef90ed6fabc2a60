// Hand-built frames for tests: TCP over IPv4/IPv6 (options, extension headers, fragments, correct
// checksums) wrapped in Ethernet (VLAN tags, 802.3 LLC/SNAP, padding), Linux cooked v1/v2, BSD
// NULL/LOOP or raw IP, and classic pcap files of them. Every builder returns a fresh Buffer;
// nothing is shared between calls.
import type { RawFrame } from '../../src/capture/types.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpSpec {
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  /** Flag byte (default ACK|PSH). */
  flags?: number;
  window?: number;
  /** Raw option bytes, zero-padded (EOL) to a 4-byte multiple. */
  options?: Buffer;
  payload?: Buffer | string;
  /** Override the data offset nibble (in 32-bit words) to build malformed headers. */
  dataOffsetWords?: number;
  /** Leave the checksum wrong (flip its bits after computing). */
  badChecksum?: boolean;
}

export interface Ip4Spec {
  src?: string;
  dst?: string;
  protocol?: number;
  ttl?: number;
  id?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Fragment offset in 8-byte units. */
  fragmentOffset?: number;
  /** Raw option bytes, zero-padded to a 4-byte multiple. */
  options?: Buffer;
  /** Override the IHL nibble (32-bit words). */
  ihlWords?: number;
  /** Override the total length field. */
  totalLength?: number;
  /** Override the version nibble. */
  version?: number;
  badChecksum?: boolean;
}

/** An IPv6 extension header in the chain, in order; its next-header field is filled in. */
export type Ext6 =
  | { type: 0 | 43 | 60; body?: Buffer } // body padded so the header is a multiple of 8 bytes
  | { type: 44; offset?: number; more?: boolean; id?: number } // fragment header
  | { type: 51; body?: Buffer } // AH: body (SPI, seq, ICV) padded to a multiple of 4 bytes
  | { type: 50 | 59 }; // ESP / No Next Header: ends the chain, nothing built after it

export interface Ip6Spec {
  src?: string;
  dst?: string;
  ext?: Ext6[];
  /** Next header after the extension chain (default TCP). */
  protocol?: number;
  hopLimit?: number;
  /** Override the payload length field. */
  payloadLength?: number;
  version?: number;
}

export function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map((s) => Number(s)));
}

/** RFC 4291 text (with at most one `::`) → 16 bytes. */
export function ipv6Bytes(text: string): Buffer {
  const [head = '', tail] = text.split('::');
  const words = (s: string): number[] => (s === '' ? [] : s.split(':').map((w) => parseInt(w, 16)));
  const h = words(head);
  const t = tail === undefined ? [] : words(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

/** RFC 1071 checksum of the concatenated parts. */
export function internetChecksum(...parts: Buffer[]): number {
  const all = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) | (all[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pad(b: Buffer, multiple: number): Buffer {
  const rem = b.length % multiple;
  return rem === 0 ? b : Buffer.concat([b, Buffer.alloc(multiple - rem)]);
}

/** A TCP header + payload with its checksum over `pseudo` (the IP pseudo-header bytes). */
export function buildTcp(spec: TcpSpec, pseudo: (tcpLen: number) => Buffer): Buffer {
  const options = pad(spec.options ?? Buffer.alloc(0), 4);
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'latin1') : (spec.payload ?? Buffer.alloc(0));
  const h = Buffer.alloc(20);
  h.writeUInt16BE(spec.srcPort ?? 40000, 0);
  h.writeUInt16BE(spec.dstPort ?? 25, 2);
  h.writeUInt32BE((spec.seq ?? 1000) >>> 0, 4);
  h.writeUInt32BE((spec.ack ?? 2000) >>> 0, 8);
  h[12] = (spec.dataOffsetWords ?? 5 + options.length / 4) << 4;
  h[13] = spec.flags ?? TCP_ACK | TCP_PSH;
  h.writeUInt16BE(spec.window ?? 65535, 14);
  const seg = Buffer.concat([h, options, payload]);
  const sum = internetChecksum(pseudo(seg.length), seg);
  seg.writeUInt16BE(spec.badChecksum === true ? sum ^ 0xffff : sum, 16);
  return seg;
}

/** An IPv4 header with `payload` (already built) and a correct header checksum. */
export function buildIpv4(payload: Buffer, spec: Ip4Spec = {}): Buffer {
  const options = pad(spec.options ?? Buffer.alloc(0), 4);
  const hl = 20 + options.length;
  const h = Buffer.alloc(20);
  h[0] = ((spec.version ?? 4) << 4) | (spec.ihlWords ?? hl / 4);
  h.writeUInt16BE(spec.totalLength ?? hl + payload.length, 2);
  h.writeUInt16BE(spec.id ?? 0x1234, 4);
  const fl = (spec.dontFragment === true ? 0x4000 : 0) | (spec.moreFragments === true ? 0x2000 : 0) | (spec.fragmentOffset ?? 0);
  h.writeUInt16BE(fl, 6);
  h[8] = spec.ttl ?? 64;
  h[9] = spec.protocol ?? 6;
  ipv4Bytes(spec.src ?? '192.0.2.1').copy(h, 12);
  ipv4Bytes(spec.dst ?? '198.51.100.2').copy(h, 16);
  const header = Buffer.concat([h, options]);
  const sum = internetChecksum(header);
  header.writeUInt16BE(spec.badChecksum === true ? sum ^ 0xffff : sum, 10);
  return Buffer.concat([header, payload]);
}

/** TCP over IPv4 with correct IP and TCP checksums (unless asked otherwise). */
export function tcp4(tcp: TcpSpec = {}, ip: Ip4Spec = {}): Buffer {
  const pseudo = (len: number): Buffer => {
    const p = Buffer.alloc(12);
    ipv4Bytes(ip.src ?? '192.0.2.1').copy(p, 0);
    ipv4Bytes(ip.dst ?? '198.51.100.2').copy(p, 4);
    p[9] = 6;
    p.writeUInt16BE(len, 10);
    return p;
  };
  return buildIpv4(buildTcp(tcp, pseudo), ip);
}

function buildExt(e: Ext6, next: number): Buffer {
  switch (e.type) {
    case 0:
    case 43:
    case 60: {
      const b = pad(Buffer.concat([Buffer.from([next, 0]), e.body ?? Buffer.alloc(6)]), 8);
      b[1] = b.length / 8 - 1;
      return b;
    }
    case 44: {
      const b = Buffer.alloc(8);
      b[0] = next;
      b.writeUInt16BE(((e.offset ?? 0) << 3) | (e.more === true ? 1 : 0), 2);
      b.writeUInt32BE(e.id ?? 0xabcd, 4);
      return b;
    }
    case 51: {
      const b = pad(Buffer.concat([Buffer.from([next, 0, 0, 0]), e.body ?? Buffer.alloc(8)]), 4);
      b[1] = b.length / 4 - 2;
      return b;
    }
    default:
      return Buffer.alloc(0);
  }
}

/** An IPv6 header + extension chain + `upper` (already built for the final next header). */
export function buildIpv6(upper: Buffer, spec: Ip6Spec = {}): Buffer {
  const ext = spec.ext ?? [];
  const parts: Buffer[] = [];
  let next = spec.protocol ?? 6;
  for (let i = ext.length - 1; i >= 0; i--) {
    const e = ext[i]!;
    parts.unshift(buildExt(e, next));
    next = e.type;
  }
  const body = Buffer.concat([...parts, upper]);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((spec.version ?? 6) << 28) >>> 0, 0);
  h.writeUInt16BE(spec.payloadLength ?? body.length, 4);
  h[6] = next;
  h[7] = spec.hopLimit ?? 64;
  ipv6Bytes(spec.src ?? '2001:db8::1').copy(h, 8);
  ipv6Bytes(spec.dst ?? '2001:db8::2').copy(h, 24);
  return Buffer.concat([h, body]);
}

/** TCP over IPv6 (optionally behind extension headers) with a correct TCP checksum. */
export function tcp6(tcp: TcpSpec = {}, ip: Ip6Spec = {}): Buffer {
  const pseudo = (len: number): Buffer => {
    const p = Buffer.alloc(40);
    ipv6Bytes(ip.src ?? '2001:db8::1').copy(p, 0);
    ipv6Bytes(ip.dst ?? '2001:db8::2').copy(p, 16);
    p.writeUInt32BE(len, 32);
    p[39] = 6;
    return p;
  };
  return buildIpv6(buildTcp(tcp, pseudo), ip);
}

export interface VlanTag {
  id: number;
  /** 0x8100 (default), 0x88a8 or 0x9100. */
  tpid?: number;
  pcp?: number;
}

export interface EthSpec {
  /** EtherType after the tags (default: from the IP version nibble of `payload`). */
  etherType?: number;
  vlans?: VlanTag[];
  /** Pad the frame with zero bytes to at least this length (60 = Ethernet minimum without FCS). */
  padTo?: number;
}

function etherTypeOf(ip: Buffer): number {
  return (ip[0] ?? 0) >> 4 === 6 ? 0x86dd : 0x0800;
}

export function ethernet(payload: Buffer, spec: EthSpec = {}): Buffer {
  const h = Buffer.from('020000000001020000000002', 'hex') // destination, source;
  const tags = (spec.vlans ?? []).map((v) => {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(v.tpid ?? 0x8100, 0);
    t.writeUInt16BE((((v.pcp ?? 0) << 13) | (v.id & 0x0fff)) >>> 0, 2);
    return t;
  });
  const type = Buffer.alloc(2);
  type.writeUInt16BE(spec.etherType ?? etherTypeOf(payload), 0);
  const frame = Buffer.concat([h, ...tags, type, payload]);
  const min = spec.padTo ?? 0;
  return frame.length >= min ? frame : Buffer.concat([frame, Buffer.alloc(min - frame.length)]);
}

/** IEEE 802.3 length frame with an LLC/SNAP header (RFC 1042) carrying `etherType`. */
export function ethernetSnap(payload: Buffer, etherType = etherTypeOf(payload), oui = 0): Buffer {
  const llc = Buffer.from([0xaa, 0xaa, 0x03, (oui >> 16) & 0xff, (oui >> 8) & 0xff, oui & 0xff, etherType >> 8, etherType & 0xff]);
  const h = Buffer.alloc(14);
  h.writeUInt16BE(llc.length + payload.length, 12);
  return Buffer.concat([h, llc, payload]);
}

/** Linux cooked v1 (LINKTYPE_LINUX_SLL): 16 bytes, protocol at 14. */
export function sll(payload: Buffer, protocol = etherTypeOf(payload), arphrd = 1): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0); // PACKET_HOST
  h.writeUInt16BE(arphrd, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(protocol, 14);
  return Buffer.concat([h, payload]);
}

/** Linux cooked v2 (LINKTYPE_LINUX_SLL2): 20 bytes, protocol at 0. */
export function sll2(payload: Buffer, protocol = etherTypeOf(payload), arphrd = 1): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(protocol, 0);
  h.writeUInt32BE(2, 4); // ifindex
  h.writeUInt16BE(arphrd, 8);
  h[11] = 6;
  return Buffer.concat([h, payload]);
}

/** BSD NULL (host order, so choose) or LOOP (network order) with a 4-byte address family. */
export function loopback(payload: Buffer, family: number, littleEndian: boolean): Buffer {
  const h = Buffer.alloc(4);
  if (littleEndian) h.writeUInt32LE(family, 0);
  else h.writeUInt32BE(family, 0);
  return Buffer.concat([h, payload]);
}

export function rawFrame(data: Buffer, linkType: number, tsMicros = 1_700_000_000_000_000): RawFrame {
  return { tsMicros, linkType, caplen: data.length, wirelen: data.length, data };
}

/** The frame as a snaplen of `caplen` would have captured it. */
export function cutFrame(frame: RawFrame, caplen: number): RawFrame {
  return { ...frame, caplen, data: frame.data.subarray(0, caplen) };
}

/** A classic little-endian microsecond pcap file (24-byte header, 16-byte records) of `frames`. */
export function classicPcap(linkType: number, frames: Array<Buffer | RawFrame>, snaplen = 262144): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(snaplen, 16);
  header.writeUInt32LE(linkType, 20);
  const records = frames.map((f, i) => {
    const frame = Buffer.isBuffer(f) ? rawFrame(f, linkType, 1_700_000_000_000_000 + i * 1000) : f;
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Math.floor(frame.tsMicros / 1_000_000), 0);
    r.writeUInt32LE(frame.tsMicros % 1_000_000, 4);
    r.writeUInt32LE(frame.data.length, 8);
    r.writeUInt32LE(frame.wirelen, 12);
    return Buffer.concat([r, frame.data]);
  });
  return Buffer.concat([header, ...records]);
}
