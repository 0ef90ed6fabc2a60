// Byte encoding of a list of TCP segments for the reassembler fuzz target, so byte mutations
// become segment edits. Per segment, 9 header bytes then the captured payload:
//   flags | ctl | seqOff u16 | ackOff u16 | captured u16 | cut
// ctl: bit 0 from client, bits 1-2 connection (0-3), bit 3 offsets x65536 (sequence jumps),
// bits 4-7 time step x 25 ms. cut: wire bytes beyond the captured ones (snaplen loss).
// Sequence numbers are offsets from fixed ISNs; connection 0's client ISN sits just below 2^32.
import type { DecodedSegment } from '../../../src/decode/types.js';
import { newDecodedSegment } from '../../../src/decode/decode-packet.js';

const HEADER = 9;
const T0 = 1_700_000_000_000_000;
const STEP_MICROS = 25_000;
const MAX_CAPTURED = 1500;

/** 10.9.<conn>.<host> as an unsigned 32-bit address. */
function ip4(conn: number, host: number): number {
  return ((10 << 24) | (9 << 16) | (conn << 8) | host) >>> 0;
}

function clientIsn(conn: number): number {
  return (0xfffffc00 + conn * 0x01000000) >>> 0;
}

function serverIsn(conn: number): number {
  return (0x7ffffff0 + conn * 0x100) >>> 0;
}

export function decodeSegments(input: Buffer): DecodedSegment[] {
  const out: DecodedSegment[] = [];
  let ts = T0;
  let off = 0;
  while (off + HEADER <= input.length) {
    const flags = input[off]!;
    const ctl = input[off + 1]!;
    const scale = (ctl & 8) !== 0 ? 0x10000 : 1;
    const seqOff = input.readUInt16BE(off + 2) * scale;
    const ackOff = input.readUInt16BE(off + 4) * scale;
    const captured = Math.min(input.readUInt16BE(off + 6), MAX_CAPTURED, input.length - off - HEADER);
    const cut = input[off + 8]!;
    const payload = input.subarray(off + HEADER, off + HEADER + captured);
    off += HEADER + captured;
    ts += (ctl >> 4) * STEP_MICROS;
    const conn = (ctl >> 1) & 3;
    const fromClient = (ctl & 1) === 1;
    const cPort = 40000 + conn;
    const sPort = conn === 3 ? 8025 : 25;
    const cIsn = clientIsn(conn);
    const sIsn = serverIsn(conn);
    out.push({
      tsMicros: ts,
      family: 4,
      srcIp4: ip4(conn, fromClient ? 1 : 2),
      dstIp4: ip4(conn, fromClient ? 2 : 1),
      srcIp6: null,
      dstIp6: null,
      srcPort: fromClient ? cPort : sPort,
      dstPort: fromClient ? sPort : cPort,
      seq: ((fromClient ? cIsn : sIsn) + seqOff) >>> 0,
      ack: ((fromClient ? sIsn : cIsn) + ackOff) >>> 0,
      flags,
      window: 65535,
      payload,
      payloadLen: payload.length + cut,
      vlanCount: 0,
      vlan0: 0,
      vlan1: 0,
      vlan2: 0,
      ipProto: 6,
      tunnelCount: 0,
      tunnelPath: 0,
      frag: newDecodedSegment().frag,
    });
  }
  return out;
}

function endpointKey(ip4: number, ip6: Buffer | null, port: number): string {
  return `${ip6 === null ? ip4 : ip6.toString('hex')}:${port}`;
}

/** Encodes real segments (up to 4 connections; others dropped) relative to each side's first sequence number. */
export function encodeSegments(segs: readonly DecodedSegment[]): Buffer {
  const conns: { client: string; server: string; cBase: number; sBase: number | null }[] = [];
  const parts: Buffer[] = [];
  let lastTs = segs[0]?.tsMicros ?? 0;
  for (const s of segs) {
    const src = endpointKey(s.srcIp4, s.srcIp6, s.srcPort);
    const dst = endpointKey(s.dstIp4, s.dstIp6, s.dstPort);
    let conn = conns.findIndex((c) => (c.client === src && c.server === dst) || (c.client === dst && c.server === src));
    if (conn < 0) {
      if (conns.length === 4) continue;
      conn = conns.length;
      conns.push({ client: src, server: dst, cBase: s.seq, sBase: null });
    }
    const c = conns[conn]!;
    const fromClient = c.client === src;
    if (!fromClient && c.sBase === null) c.sBase = s.seq;
    const base = fromClient ? c.cBase : c.sBase!;
    const peerBase = fromClient ? (c.sBase ?? s.ack) : c.cBase;
    const steps = Math.min(15, Math.max(0, Math.round((s.tsMicros - lastTs) / STEP_MICROS)));
    lastTs = s.tsMicros;
    const h = Buffer.alloc(HEADER);
    h[0] = s.flags;
    h[1] = (fromClient ? 1 : 0) | (conn << 1) | (steps << 4);
    h.writeUInt16BE(((s.seq - base) >>> 0) & 0xffff, 2);
    h.writeUInt16BE(((s.ack - peerBase) >>> 0) & 0xffff, 4);
    const payload = s.payload.subarray(0, MAX_CAPTURED);
    h.writeUInt16BE(payload.length, 6);
    h[8] = Math.min(255, s.payloadLen - payload.length);
    parts.push(h, payload);
  }
  return Buffer.concat(parts);
}
