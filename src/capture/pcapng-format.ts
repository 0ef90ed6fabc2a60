// pcapng file format (draft-ietf-opsawg-pcapng): SHB, IDB, EPB, SPB, the obsolete Packet Block;
// every other block is skipped by its length. State: the current section's byte order, its
// interface table (link type, snaplen, timestamp clock) and the last packet time (for SPB).
// Consumes file bytes through RecordReader.next(); fills the shared RawFrame (data is a view).
import { CORRUPT, DEFAULT_MAX_BLOCK_BYTES, DEFAULT_MAX_CAPLEN, NEED_MORE } from './record-reader.js';
import type { RecordReader } from './record-reader.js';
import type { RawFrame } from './types.js';
import { setFrameBytes } from './frame-window.js';
import { createTsClock, tsClockMicros } from './pcapng-time.js';
import { clampTsMicros } from '../shared/time.js';
import { be32, le32 } from '../shared/be.js';
import type { TsClock } from './pcapng-time.js';

export const BlockType = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  PACKET_OBSOLETE: 0x00000002,
  SPB: 0x00000003,
  EPB: 0x00000006,
} as const;

const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;
/** type(4) length(4) ... length(4) */
const BLOCK_OVERHEAD = 12;
const MIN_SHB_BYTES = 28;
const MIN_IDB_BYTES = 20;
/** EPB and the obsolete PB: 20 bytes of fixed fields after type and length. */
const MIN_EPB_BYTES = 32;
const MIN_SPB_BYTES = 16;
const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface PcapngInterface {
  linkType: number;
  /** 0 = no limit (the spec's "unlimited"). */
  snaplen: number;
  clock: TsClock;
}

export function isPcapngMagic(magicLe: number): boolean {
  return magicLe === BlockType.SHB;
}

export class PcapngReader implements RecordReader {
  frameReady = false;
  needed = 0;
  error = '';
  inHeader = true;
  private littleEndian = true;
  private interfaces: PcapngInterface[] = [];
  /** SPB carries no time (pcapng §4.4): it gets the time of the last packet block seen. */
  private lastTsMicros = 0;
  private lastTsClamped = false;
  private readonly maxCaplen: number;
  private readonly maxBlockBytes: number;

  constructor(maxCaplen = DEFAULT_MAX_CAPLEN, maxBlockBytes = DEFAULT_MAX_BLOCK_BYTES) {
    this.maxCaplen = maxCaplen;
    this.maxBlockBytes = maxBlockBytes;
  }

  next(buf: Buffer, off: number, end: number, frame: RawFrame): number {
    this.frameReady = false;
    if (end - off < BLOCK_OVERHEAD) {
      this.needed = BLOCK_OVERHEAD;
      return NEED_MORE;
    }
    // The SHB type reads the same in both byte orders; its own magic sets the order.
    // Per packet: every read below is within bounds checked first (BLOCK_OVERHEAD, then the block's
    // length), so the unchecked le32/be32 readers serve (~50-90 ns a record for pcap; issue 12 item 6).
    let type = le32(buf, off);
    if (type === BlockType.SHB) {
      const bom = le32(buf, off + 8);
      if (bom === BYTE_ORDER_MAGIC) this.littleEndian = true;
      else if (bom === BYTE_ORDER_MAGIC_SWAPPED) this.littleEndian = false;
      else return this.corrupt(`bad section header byte-order magic 0x${bom.toString(16)}`);
    } else if (this.inHeader) {
      return this.corrupt('first block is not a section header block');
    } else if (!this.littleEndian) {
      type = be32(buf, off);
    }
    const le = this.littleEndian;
    const len = le ? le32(buf, off + 4) : be32(buf, off + 4);
    if (len < BLOCK_OVERHEAD || (len & 3) !== 0) return this.corrupt(`bad block length ${len}`);
    if (len > this.maxBlockBytes) return this.corrupt(`block length ${len} exceeds ${this.maxBlockBytes}`);
    if (end - off < len) {
      this.needed = len;
      return NEED_MORE;
    }
    const trailer = le ? le32(buf, off + len - 4) : be32(buf, off + len - 4);
    if (trailer !== len) return this.corrupt(`block length ${len} and trailing length ${trailer} differ`);
    switch (type) {
      case BlockType.SHB:
        return this.onSectionHeader(buf, off, len);
      case BlockType.IDB:
        return this.onInterface(buf, off, len);
      case BlockType.EPB:
        return this.onPacket(buf, off, len, frame, le ? le32(buf, off + 8) : be32(buf, off + 8));
      case BlockType.PACKET_OBSOLETE:
        return this.onPacket(buf, off, len, frame, le ? buf.readUInt16LE(off + 8) : buf.readUInt16BE(off + 8));
      case BlockType.SPB:
        return this.onSimplePacket(buf, off, len, frame);
      default:
        return len; // NRB, ISB, DSB, custom and unknown blocks: nothing mailtap needs
    }
  }

  private corrupt(reason: string): number {
    this.error = reason;
    return CORRUPT;
  }

  private onSectionHeader(buf: Buffer, off: number, len: number): number {
    if (len < MIN_SHB_BYTES) return this.corrupt(`section header block too short (${len})`);
    const le = this.littleEndian;
    const major = le ? buf.readUInt16LE(off + 12) : buf.readUInt16BE(off + 12);
    const minor = le ? buf.readUInt16LE(off + 14) : buf.readUInt16BE(off + 14);
    if (major !== 1) return this.corrupt(`unsupported pcapng version ${major}.${minor}`);
    // A new section starts a new interface numbering (pcapng §4.1).
    this.interfaces = [];
    this.inHeader = false;
    return len;
  }

  private onInterface(buf: Buffer, off: number, len: number): number {
    if (len < MIN_IDB_BYTES) return this.corrupt(`interface description block too short (${len})`);
    const le = this.littleEndian;
    const linkType = le ? buf.readUInt16LE(off + 8) : buf.readUInt16BE(off + 8);
    const snaplen = le ? buf.readUInt32LE(off + 12) : buf.readUInt32BE(off + 12);
    let tsresol = 6;
    let tsoffsetSec = 0;
    const optEnd = off + len - 4;
    let p = off + 16;
    while (p + 4 <= optEnd) {
      const code = le ? buf.readUInt16LE(p) : buf.readUInt16BE(p);
      const olen = le ? buf.readUInt16LE(p + 2) : buf.readUInt16BE(p + 2);
      if (code === OPT_END || p + 4 + olen > optEnd) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) tsresol = buf[p + 4]!;
      else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        tsoffsetSec = Number(le ? buf.readBigInt64LE(p + 4) : buf.readBigInt64BE(p + 4));
      }
      p += 4 + ((olen + 3) & ~3);
    }
    this.interfaces.push({ linkType, snaplen, clock: createTsClock(tsresol, tsoffsetSec) });
    return len;
  }

  /** EPB (32-bit interface id) and the obsolete Packet Block (16-bit id, then drops). */
  private onPacket(buf: Buffer, off: number, len: number, frame: RawFrame, ifId: number): number {
    if (len < MIN_EPB_BYTES) return this.corrupt(`packet block too short (${len})`);
    const iface = this.interfaces[ifId];
    if (iface === undefined) return this.corrupt(`packet block for undeclared interface ${ifId}`);
    const le = this.littleEndian;
    const hi = le ? le32(buf, off + 12) : be32(buf, off + 12);
    const lo = le ? le32(buf, off + 16) : be32(buf, off + 16);
    const caplen = le ? le32(buf, off + 20) : be32(buf, off + 20);
    const wirelen = le ? le32(buf, off + 24) : be32(buf, off + 24);
    if (caplen > this.maxCaplen) return this.corrupt(`packet captured length ${caplen} exceeds ${this.maxCaplen}`);
    if (caplen > len - MIN_EPB_BYTES) return this.corrupt(`packet captured length ${caplen} overruns its block (${len})`);
    const raw = tsClockMicros(iface.clock, hi, lo);
    const ts = clampTsMicros(raw);
    this.lastTsMicros = ts;
    this.lastTsClamped = ts !== raw;
    frame.tsMicros = ts;
    frame.tsClamped = this.lastTsClamped;
    frame.linkType = iface.linkType;
    frame.wirelen = wirelen;
    setFrameBytes(frame, buf, off + 28, caplen);
    this.frameReady = true;
    return len;
  }

  private onSimplePacket(buf: Buffer, off: number, len: number, frame: RawFrame): number {
    if (len < MIN_SPB_BYTES) return this.corrupt(`simple packet block too short (${len})`);
    const iface = this.interfaces[0];
    if (iface === undefined) return this.corrupt('simple packet block before any interface');
    const wirelen = this.littleEndian ? le32(buf, off + 8) : be32(buf, off + 8);
    // Captured length = min(original length, interface 0 snaplen, room in the block) (pcapng §4.4).
    let caplen = len - MIN_SPB_BYTES;
    if (wirelen < caplen) caplen = wirelen;
    if (iface.snaplen !== 0 && iface.snaplen < caplen) caplen = iface.snaplen;
    if (caplen > this.maxCaplen) return this.corrupt(`packet captured length ${caplen} exceeds ${this.maxCaplen}`);
    frame.tsMicros = this.lastTsMicros;
    frame.tsClamped = this.lastTsClamped;
    frame.linkType = iface.linkType;
    frame.wirelen = wirelen;
    setFrameBytes(frame, buf, off + 12, caplen);
    this.frameReady = true;
    return len;
  }
}
