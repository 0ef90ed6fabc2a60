// Test helpers for the flow stage: build DecodedSegments from readable endpoints, drive a
// client/server connection with relative sequence numbers, and record StreamEvents (copying the
// BORROWED data bytes) so tests can compare whole streams.
import type { DecodedSegment } from '../../src/decode/types.js';
import { newDecodedSegment } from '../../src/decode/decode-packet.js';
import { TcpFlags } from '../../src/decode/types.js';
import type { Direction, FlowId, StreamEvent, StreamSink } from '../../src/flow/types.js';
import { defaultConfig } from '../../src/config/schema.js';
import type { FlowsConfig } from '../../src/config/types.js';

export const F = TcpFlags;
export const T0 = 1_700_000_000_000_000;

export function flowsConfig(over: Partial<FlowsConfig> = {}): FlowsConfig {
  return { ...defaultConfig().flows, ...over };
}

export function parseIp4(s: string): number {
  const p = s.split('.').map(Number);
  return (((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0);
}

export function parseIp6(s: string): Buffer {
  const out = Buffer.alloc(16);
  let text = s;
  let tail4: number | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail4 = parseIp4(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, null];
  const hs = head ? head.split(':').filter((x) => x !== '') : [];
  const ts = rest ? rest.split(':').filter((x) => x !== '') : [];
  const groups = rest === null ? hs : [...hs, ...new Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail4 !== null) out.writeUInt32BE(tail4, 12);
  return out;
}

/** "10.0.0.1:25" or "[2001:db8::1]:25". */
export function parseEndpoint(s: string): { family: 4 | 6; ip4: number; ip6: Buffer | null; port: number } {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    return { family: 6, ip4: 0, ip6: parseIp6(s.slice(1, end)), port: Number(s.slice(end + 2)) };
  }
  const colon = s.lastIndexOf(':');
  return { family: 4, ip4: parseIp4(s.slice(0, colon)), ip6: null, port: Number(s.slice(colon + 1)) };
}

export interface SegOpts {
  ts?: number;
  src: string;
  dst: string;
  seq: number;
  ack?: number;
  flags?: number;
  payload?: Buffer | string;
  /** Wire length when larger than the captured payload (snaplen cut). */
  payloadLen?: number;
  vlan?: number[];
}

export function mkSeg(o: SegOpts): DecodedSegment {
  const src = parseEndpoint(o.src);
  const dst = parseEndpoint(o.dst);
  const payload = typeof o.payload === 'string' ? Buffer.from(o.payload, 'latin1') : (o.payload ?? Buffer.alloc(0));
  const vlan = o.vlan ?? [];
  return {
    tsMicros: o.ts ?? T0,
    family: src.family,
    srcIp4: src.ip4,
    dstIp4: dst.ip4,
    srcIp6: src.ip6,
    dstIp6: dst.ip6,
    srcPort: src.port,
    dstPort: dst.port,
    seq: o.seq >>> 0,
    ack: (o.ack ?? 0) >>> 0,
    flags: o.flags ?? F.ACK,
    window: 65535,
    payload,
    payloadLen: o.payloadLen ?? payload.length,
    vlanCount: vlan.length,
    vlan0: vlan[0] ?? 0,
    vlan1: vlan[1] ?? 0,
    vlan2: vlan[2] ?? 0,
    ipProto: 6,
    tunnelCount: 0,
    tunnelPath: 0,
    frag: newDecodedSegment().frag,
  };
}

export interface SideOpts {
  flags?: number;
  /** Bytes of the peer's stream acknowledged (relative: 0 = just the SYN). */
  ack?: number;
  ts?: number;
  payloadLen?: number;
}

/** A connection with relative sequence numbers: offset 0 is the first data byte after the SYN. */
/** Cut points -> [offset, length] segments covering [0, total) (property tests of the reassembler). */
export function segmentsOf(total: number, cuts: number[]): Array<[number, number]> {
  const pts = [...new Set(cuts.map((c) => c % (total + 1)))].filter((c) => c > 0 && c < total).sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  let prev = 0;
  for (const p of [...pts, total]) {
    out.push([prev, p - prev]);
    prev = p;
  }
  return out;
}

export class Conn {
  ts: number;
  constructor(
    readonly client = '10.0.0.1:40000',
    readonly server = '10.0.0.2:25',
    readonly cIsn = 1000,
    readonly sIsn = 5000,
    ts0 = T0,
  ) {
    this.ts = ts0;
  }

  private nextTs(ts?: number): number {
    if (ts !== undefined) this.ts = ts;
    else this.ts += 1000;
    return this.ts;
  }

  syn(): DecodedSegment {
    return mkSeg({ ts: this.nextTs(), src: this.client, dst: this.server, seq: this.cIsn, flags: F.SYN });
  }

  synAck(): DecodedSegment {
    return mkSeg({ ts: this.nextTs(), src: this.server, dst: this.client, seq: this.sIsn, ack: this.cIsn + 1, flags: F.SYN | F.ACK });
  }

  handshake(): DecodedSegment[] {
    return [this.syn(), this.synAck(), this.c(0, '')];
  }

  /** Client segment at relative offset `off`. */
  c(off: number, data: Buffer | string, o: SideOpts = {}): DecodedSegment {
    return mkSeg({
      ts: this.nextTs(o.ts),
      src: this.client,
      dst: this.server,
      seq: this.cIsn + 1 + off,
      ack: this.sIsn + 1 + (o.ack ?? 0),
      flags: o.flags ?? F.ACK | (data.length > 0 ? F.PSH : 0),
      payload: data,
      ...(o.payloadLen !== undefined ? { payloadLen: o.payloadLen } : {}),
    });
  }

  /** Server segment at relative offset `off`. */
  s(off: number, data: Buffer | string, o: SideOpts = {}): DecodedSegment {
    return mkSeg({
      ts: this.nextTs(o.ts),
      src: this.server,
      dst: this.client,
      seq: this.sIsn + 1 + off,
      ack: this.cIsn + 1 + (o.ack ?? 0),
      flags: o.flags ?? F.ACK | (data.length > 0 ? F.PSH : 0),
      payload: data,
      ...(o.payloadLen !== undefined ? { payloadLen: o.payloadLen } : {}),
    });
  }
}

/** A recorded event: `data` bytes copied (the originals are borrowed). */
export type Recorded = StreamEvent;

export class Recorder implements StreamSink {
  readonly events: Recorded[] = [];
  onEvent(ev: StreamEvent): void {
    if (ev.t === 'data') this.events.push({ ...ev, bytes: Buffer.from(ev.bytes) });
    else this.events.push(ev);
  }

  of<K extends StreamEvent['t']>(t: K): Extract<StreamEvent, { t: K }>[] {
    return this.events.filter((e): e is Extract<StreamEvent, { t: K }> => e.t === t);
  }

  /** One direction as text: data as latin1, each gap as `<gap N>`; adjacent items merged. */
  stream(flow: FlowId, dir: Direction): string {
    let out = '';
    let pendingGap = 0;
    for (const e of this.events) {
      if ((e.t !== 'data' && e.t !== 'gap') || e.flow !== flow || e.dir !== dir) continue;
      if (e.t === 'gap') {
        pendingGap += e.len;
        continue;
      }
      if (pendingGap > 0) out += `<gap ${pendingGap}>`;
      pendingGap = 0;
      out += e.bytes.toString('latin1');
    }
    if (pendingGap > 0) out += `<gap ${pendingGap}>`;
    return out;
  }

  anomalies(): string[] {
    return this.of('anomaly').map((e) => e.name);
  }
}

/**
 * Minimal classic-pcap reader for flow tests (Ethernet, NULL/loopback, raw IP; IPv4/IPv6 + TCP):
 * yields DecodedSegments so the reassembler can be tested on corpus captures without the decoder.
 */
export function* readPcapSegments(file: Buffer): Generator<DecodedSegment> {
  const magic = file.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number): number => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const link = u32(20);
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const pkt = file.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const ts = sec * 1_000_000 + (nanos ? Math.floor(frac / 1000) : frac);
    let ip = 0;
    let etype = 0;
    if (link === 1) {
      ip = 14;
      etype = pkt.readUInt16BE(12);
      const vlans: number[] = [];
      while (etype === 0x8100 || etype === 0x88a8) {
        vlans.push(pkt.readUInt16BE(ip) & 0xfff);
        etype = pkt.readUInt16BE(ip + 2);
        ip += 4;
      }
    } else if (link === 0) {
      ip = 4;
      etype = (pkt[4]! >> 4) === 6 ? 0x86dd : 0x0800;
    } else if (link === 101) {
      etype = (pkt[0]! >> 4) === 6 ? 0x86dd : 0x0800;
    } else continue;
    let tcp: number;
    let payloadEnd: number;
    let family: 4 | 6;
    if (etype === 0x0800) {
      if (pkt[ip + 9] !== 6) continue;
      family = 4;
      tcp = ip + (pkt[ip]! & 0x0f) * 4;
      payloadEnd = ip + pkt.readUInt16BE(ip + 2);
    } else if (etype === 0x86dd) {
      if (pkt[ip + 6] !== 6) continue;
      family = 6;
      tcp = ip + 40;
      payloadEnd = tcp + pkt.readUInt16BE(ip + 4);
    } else continue;
    const dataOff = tcp + (pkt[tcp + 12]! >> 4) * 4;
    yield {
      tsMicros: ts,
      family,
      srcIp4: family === 4 ? pkt.readUInt32BE(ip + 12) : 0,
      dstIp4: family === 4 ? pkt.readUInt32BE(ip + 16) : 0,
      srcIp6: family === 6 ? pkt.subarray(ip + 8, ip + 24) : null,
      dstIp6: family === 6 ? pkt.subarray(ip + 24, ip + 40) : null,
      srcPort: pkt.readUInt16BE(tcp),
      dstPort: pkt.readUInt16BE(tcp + 2),
      seq: pkt.readUInt32BE(tcp + 4),
      ack: pkt.readUInt32BE(tcp + 8),
      flags: pkt[tcp + 13]!,
      window: pkt.readUInt16BE(tcp + 14),
      payload: pkt.subarray(dataOff, Math.min(payloadEnd, pkt.length)),
      payloadLen: Math.max(0, payloadEnd - dataOff),
      vlanCount: 0,
      vlan0: 0,
      vlan1: 0,
      vlan2: 0,
      ipProto: 6,
      tunnelCount: 0,
      tunnelPath: 0,
      frag: newDecodedSegment().frag,
    };
  }
}
