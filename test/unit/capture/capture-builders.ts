// Test helper (no tests here): builds classic pcap and pcapng files byte by byte, in either byte
// order, from the format specifications, so the readers are checked against independent bytes.
import type { RecordReader } from '../../../src/capture/record-reader.js';
import type { RawFrame } from '../../../src/capture/types.js';

export interface PcapRecord {
  sec: number;
  /** Microseconds, or nanoseconds for a nanosecond file. */
  frac: number;
  data: Buffer;
  wirelen?: number;
}

export interface PcapHeaderOptions {
  le: boolean;
  nanos?: boolean;
  modified?: boolean;
  linkType?: number;
  snaplen?: number;
  major?: number;
  minor?: number;
}

function u16(le: boolean, v: number): Buffer {
  const b = Buffer.alloc(2);
  if (le) b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}

function u32(le: boolean, v: number): Buffer {
  const b = Buffer.alloc(4);
  if (le) b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

function i64(le: boolean, v: bigint): Buffer {
  const b = Buffer.alloc(8);
  if (le) b.writeBigInt64LE(v);
  else b.writeBigInt64BE(v);
  return b;
}

function pad4(b: Buffer): Buffer {
  const extra = (4 - (b.length % 4)) % 4;
  return extra === 0 ? b : Buffer.concat([b, Buffer.alloc(extra)]);
}

export function pcapHeader(o: PcapHeaderOptions): Buffer {
  const magic = o.modified ? 0xa1b2cd34 : o.nanos ? 0xa1b23c4d : 0xa1b2c3d4;
  return Buffer.concat([
    u32(o.le, magic),
    u16(o.le, o.major ?? 2),
    u16(o.le, o.minor ?? 4),
    u32(o.le, 0), // thiszone
    u32(o.le, 0), // sigfigs
    u32(o.le, o.snaplen ?? 65535),
    u32(o.le, o.linkType ?? 1),
  ]);
}

export function pcapRecord(o: PcapHeaderOptions, r: PcapRecord): Buffer {
  const parts = [u32(o.le, r.sec), u32(o.le, r.frac), u32(o.le, r.data.length), u32(o.le, r.wirelen ?? r.data.length)];
  if (o.modified) parts.push(u32(o.le, 7), u16(o.le, 0x0800), Buffer.from([0, 0])); // ifindex, protocol, pkt_type, pad
  parts.push(r.data);
  return Buffer.concat(parts);
}

export function pcapFile(o: PcapHeaderOptions, records: readonly PcapRecord[]): Buffer {
  return Buffer.concat([pcapHeader(o), ...records.map((r) => pcapRecord(o, r))]);
}

/** Any pcapng block: type, total length, body padded to 4, total length. */
export function ngBlock(le: boolean, type: number, body: Buffer): Buffer {
  const padded = pad4(body);
  const len = padded.length + 12;
  return Buffer.concat([u32(le, type), u32(le, len), padded, u32(le, len)]);
}

export function ngOption(le: boolean, code: number, value: Buffer): Buffer {
  return Buffer.concat([u16(le, code), u16(le, value.length), pad4(value)]);
}

export function ngShb(le: boolean, major = 1, minor = 0): Buffer {
  return ngBlock(le, 0x0a0d0d0a, Buffer.concat([u32(le, 0x1a2b3c4d), u16(le, major), u16(le, minor), i64(le, -1n)]));
}

export interface IdbOptions {
  tsresol?: number;
  tsoffset?: bigint;
}

export function ngIdb(le: boolean, linkType: number, snaplen: number, opts: IdbOptions = {}): Buffer {
  const options: Buffer[] = [ngOption(le, 2, Buffer.from('eth-test'))]; // if_name, to be skipped
  if (opts.tsresol !== undefined) options.push(ngOption(le, 9, Buffer.from([opts.tsresol])));
  if (opts.tsoffset !== undefined) options.push(ngOption(le, 14, i64(le, opts.tsoffset)));
  options.push(u32(le, 0)); // opt_endofopt
  return ngBlock(le, 1, Buffer.concat([u16(le, linkType), u16(le, 0), u32(le, snaplen), ...options]));
}

/** 64-bit timestamp units split into the pcapng high and low words. */
export function splitTs(units: bigint): { hi: number; lo: number } {
  return { hi: Number(units >> 32n), lo: Number(units & 0xffffffffn) };
}

export function ngEpb(le: boolean, ifId: number, units: bigint, data: Buffer, wirelen = data.length): Buffer {
  const { hi, lo } = splitTs(units);
  const comment = ngOption(le, 1, Buffer.from('a comment'));
  return ngBlock(le, 6, Buffer.concat([u32(le, ifId), u32(le, hi), u32(le, lo), u32(le, data.length), u32(le, wirelen), pad4(data), comment, u32(le, 0)]));
}

export function ngSpb(le: boolean, data: Buffer, wirelen = data.length): Buffer {
  return ngBlock(le, 3, Buffer.concat([u32(le, wirelen), data]));
}

/** The obsolete Packet Block (type 2): 16-bit interface id and drop count. */
export function ngObsoletePb(le: boolean, ifId: number, units: bigint, data: Buffer): Buffer {
  const { hi, lo } = splitTs(units);
  return ngBlock(le, 2, Buffer.concat([u16(le, ifId), u16(le, 0), u32(le, hi), u32(le, lo), u32(le, data.length), u32(le, data.length), data]));
}

/** Deterministic packet bytes of a given length, distinct per seed. */
export function packetBytes(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

/** A frame as the test saw it (data copied out of the reader's borrowed view). */
export interface SeenFrame {
  tsMicros: number;
  linkType: number;
  caplen: number;
  wirelen: number;
  data: Buffer;
  /** Present only when the reader clamped the time. */
  tsClamped?: true;
}

/** An empty frame for a reader to fill. */
export function emptyFrame(): RawFrame {
  return { tsMicros: 0, linkType: 0, caplen: 0, wirelen: 0, data: Buffer.alloc(0) };
}

/** Runs a format reader over a complete buffer; returns the frames (copied) and how it stopped. */
export function readAllRecords(reader: RecordReader, buf: Buffer): { frames: SeenFrame[]; stop: number; at: number } {
  const frame = emptyFrame();
  const frames: SeenFrame[] = [];
  let off = 0;
  for (;;) {
    const used = reader.next(buf, off, buf.length, frame);
    if (used <= 0) return { frames, stop: used, at: off };
    off += used;
    if (reader.frameReady) {
      const { tsClamped, ...rest } = frame;
      frames.push({ ...rest, data: Buffer.from(frame.data), ...(tsClamped === true ? { tsClamped } : {}) });
    }
  }
}
