// Splits a whole IP datagram (built with frames.ts) into fragments the way a router would (RFC 791
// §3.2, RFC 8200 §4.5), with hooks to corrupt them: byte ranges of the data, chosen freely, so
// tests can build overlaps, holes and disagreeing copies. Every fragment is a fresh Buffer.
import { buildIpv4, buildIpv6, ipv6Bytes } from './frames.js';

/** [start, end) of the datagram's data (after the IP header), start a multiple of 8. */
export type Range = [number, number];

/** IPv4 fragments of `datagram` (a whole IPv4 packet without options beyond its IHL) for `ranges`. */
export function fragment4(datagram: Buffer, ranges: Range[], opts: { id?: number; data?: Buffer } = {}): Buffer[] {
  const ihl = (datagram[0]! & 0x0f) * 4;
  const data = opts.data ?? datagram.subarray(ihl);
  const total = datagram.readUInt16BE(2) - ihl;
  const src = [...datagram.subarray(12, 16)].join('.');
  const dst = [...datagram.subarray(16, 20)].join('.');
  return ranges.map(([s, e]) =>
    buildIpv4(data.subarray(s, e), {
      protocol: datagram[9]!,
      id: opts.id ?? datagram.readUInt16BE(4),
      src,
      dst,
      moreFragments: e < total,
      fragmentOffset: s / 8,
    }),
  );
}

/**
 * IPv6 fragments of an upper-layer payload `upper` (protocol `proto`) between src and dst, each
 * behind a Fragment header (after a hop-by-hop header when `hop`).
 */
export function fragment6(upper: Buffer, ranges: Range[], opts: { src?: string; dst?: string; id?: number; proto?: number; hop?: boolean; data?: Buffer } = {}): Buffer[] {
  const data = opts.data ?? upper;
  return ranges.map(([s, e]) =>
    buildIpv6(data.subarray(s, e), {
      src: opts.src ?? '2001:db8::10',
      dst: opts.dst ?? '2001:db8::20',
      protocol: opts.proto ?? 6,
      ext: [...(opts.hop === true ? [{ type: 0 as const }] : []), { type: 44, offset: s / 8, more: e < upper.length, id: opts.id ?? 0x1234567 }],
    }),
  );
}

export { ipv6Bytes };
