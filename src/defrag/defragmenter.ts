// The stateful step between decode and flow: collects IPv4 and IPv6 fragments (described by
// decode in DecodedSegment.frag) and returns the whole datagram once every byte is there, for
// decodeDatagram to decode like any packet. Owns the datagrams in progress, bounded by a byte
// memcap (oldest incomplete datagram dropped first) and a packet-time timeout. Consumes a borrowed
// frame and its FragmentView; produces an OWNED datagram buffer (fresh per reassembly).
import type { DecodedSegment, FragmentView } from '../decode/types.js';
import { DATAGRAM_OVERHEAD, Datagram } from './datagram.js';
import type { DefragOptions, DefragResult, DefragStats } from './types.js';

export type { DefragOptions, DefragResult, DefragStats } from './types.js';

const IPV4_MAX = 65535;
const IPV6_FIXED = 40;
/** RFC 791/8200: every fragment but the last carries a multiple of 8 data bytes. */
const FRAGMENT_UNIT = 8;

export class Defragmenter {
  readonly stats: DefragStats = { reassembled: 0, overlap: 0, timeout: 0, memcap: 0, invalid: 0 };
  /** Bytes held now (headers, data, per-datagram overhead). */
  held = 0;
  /** Insertion order = first-fragment order: the oldest datagram is first (memcap victim, timeout scan). */
  private readonly table = new Map<string, Datagram>();

  constructor(private readonly opts: DefragOptions) {}

  get datagrams(): number {
    return this.table.size;
  }

  /**
   * Adds the fragment `seg.frag` of frame bytes `buf` at packet time `ts`. Returns the datagram
   * when this fragment completed it, else null (held, or dropped and counted).
   */
  add(buf: Buffer, seg: DecodedSegment, ts: number): DefragResult | null {
    const f = seg.frag;
    const captured = Math.min(f.dataLen, buf.length - f.dataOff);
    const maxData = (f.family === 4 ? IPV4_MAX - f.headerLen : IPV4_MAX - (f.headerLen - IPV6_FIXED));
    if (captured < f.dataLen || f.offset + f.dataLen > maxData || (f.more && f.dataLen % FRAGMENT_UNIT !== 0) || (f.more && f.dataLen === 0)) {
      // A fragment the snaplen cut cannot be reassembled either: its datagram times out.
      this.stats.invalid++;
      return null;
    }
    const key = keyOf(f, seg);
    let d = this.table.get(key);
    if (d !== undefined && ts - d.firstMicros > this.opts.timeoutMicros) {
      this.drop(d, 'timeout');
      d = undefined;
    }
    const cost = f.dataLen + (f.offset === 0 ? f.headerLen : 0) + (d === undefined ? DATAGRAM_OVERHEAD : 0);
    if (!this.makeRoom(cost, d)) {
      this.stats.memcap++;
      return null;
    }
    if (d === undefined) {
      d = new Datagram(key, ts);
      this.table.set(key, d);
      this.held += DATAGRAM_OVERHEAD;
    }
    if (f.offset === 0) this.held += d.setHeader(buf.subarray(f.ipOff, f.ipOff + f.headerLen), f.nhOff - f.ipOff, f.proto);
    this.held += d.add(f.offset, buf.subarray(f.dataOff, f.dataOff + f.dataLen), !f.more);
    if (!d.complete()) return null;
    this.forget(d);
    this.stats.reassembled++;
    if (d.mismatch) this.stats.overlap++;
    return { datagram: build(d), mismatch: d.mismatch };
  }

  /** Drops datagrams whose first fragment is older than the timeout at packet time `now`. */
  expire(now: number): void {
    for (const d of this.table.values()) {
      // Insertion order is first-fragment order (packet time may step back a little: the scan stops
      // at the first young datagram, so an older one behind it waits for the next tick).
      if (now - d.firstMicros <= this.opts.timeoutMicros) break;
      this.drop(d, 'timeout');
    }
  }

  /** Everything still held counts as timed out (end of input, shutdown). */
  expireAll(): void {
    for (const d of this.table.values()) this.drop(d, 'timeout');
  }

  /** Evicts the oldest datagrams (never `keep`) until `cost` more bytes fit; false if they cannot. */
  private makeRoom(cost: number, keep: Datagram | undefined): boolean {
    if (cost > this.opts.memcapBytes) return false;
    while (this.held + cost > this.opts.memcapBytes) {
      let victim: Datagram | undefined;
      for (const d of this.table.values()) {
        if (d !== keep) {
          victim = d;
          break;
        }
      }
      if (victim === undefined) return false;
      this.drop(victim, 'memcap');
    }
    return true;
  }

  private drop(d: Datagram, why: 'timeout' | 'memcap'): void {
    this.forget(d);
    this.stats[why]++;
  }

  private forget(d: Datagram): void {
    this.table.delete(d.key);
    this.held -= d.held + DATAGRAM_OVERHEAD;
  }
}

/** RFC 791: source, destination, protocol, identification; RFC 8200 §4.5: source, destination, identification. */
function keyOf(f: FragmentView, seg: DecodedSegment): string {
  if (f.family === 4) return `4:${seg.srcIp4}:${seg.dstIp4}:${f.proto}:${f.id}`;
  return `6:${seg.srcIp6!.toString('hex')}:${seg.dstIp6!.toString('hex')}:${f.id}`;
}

/**
 * The datagram as if never fragmented. IPv4: flags and offset cleared, total length and header
 * checksum rewritten. IPv6: the Fragment header left out, the next header that named it replaced
 * by the Fragment header's own, payload length rewritten.
 */
function build(d: Datagram): Buffer {
  const header = d.header!;
  const out = Buffer.allocUnsafe(header.length + d.total);
  header.copy(out, 0);
  d.copyData(out, header.length);
  if (header[0]! >> 4 === 4) {
    out.writeUInt16BE(header.length + d.total, 2);
    out.writeUInt16BE(0, 6);
    out.writeUInt16BE(0, 10);
    out.writeUInt16BE(ipv4Checksum(out, header.length), 10);
  } else {
    out.writeUInt16BE(header.length - IPV6_FIXED + d.total, 4);
    out[d.nhRel] = d.proto;
  }
  return out;
}

function ipv4Checksum(buf: Buffer, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
