// Classic libpcap file format (draft-ietf-opsawg-pcap): the 24-byte global header, then records.
// State: byte order, timestamp unit, record-header size and link type of the one file being read.
// Consumes file bytes through RecordReader.next(); fills the shared RawFrame (its bytes stay in the
// read buffer: setFrameBytes).
import { CORRUPT, DEFAULT_MAX_CAPLEN, NEED_MORE } from './record-reader.js';
import type { RecordReader } from './record-reader.js';
import type { RawFrame } from './types.js';
import { setFrameBytes } from './frame-window.js';
import { be32, le32 } from '../shared/be.js';

/** First four bytes read as a little-endian u32, for every classic pcap flavour. */
export const PcapMagic = {
  MICROS_LE: 0xa1b2c3d4,
  MICROS_BE: 0xd4c3b2a1,
  NANOS_LE: 0xa1b23c4d,
  NANOS_BE: 0x4d3cb2a1,
  /** Alexey Kuznetsov's modified libpcap (old Red Hat tcpdump): 8 more bytes per record header. */
  MODIFIED_LE: 0xa1b2cd34,
  MODIFIED_BE: 0x34cdb2a1,
} as const;

const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
/** ifindex(4) protocol(2) pkt_type(1) pad(1) after the standard record header. */
const MODIFIED_EXTRA_BYTES = 8;

export function isPcapMagic(magicLe: number): boolean {
  switch (magicLe) {
    case PcapMagic.MICROS_LE:
    case PcapMagic.MICROS_BE:
    case PcapMagic.NANOS_LE:
    case PcapMagic.NANOS_BE:
    case PcapMagic.MODIFIED_LE:
    case PcapMagic.MODIFIED_BE:
      return true;
    default:
      return false;
  }
}

export class PcapReader implements RecordReader {
  frameReady = false;
  needed = 0;
  error = '';
  inHeader = true;
  private littleEndian = true;
  private nanos = false;
  private recordHeaderBytes = RECORD_HEADER_BYTES;
  private linkType = 0;
  private readonly maxCaplen: number;

  constructor(maxCaplen = DEFAULT_MAX_CAPLEN) {
    this.maxCaplen = maxCaplen;
  }

  next(buf: Buffer, off: number, end: number, frame: RawFrame): number {
    if (this.inHeader) return this.parseHeader(buf, off, end);
    const hdr = this.recordHeaderBytes;
    if (end - off < hdr) {
      this.needed = hdr;
      return NEED_MORE;
    }
    // Once per packet: the record header is known to be in the buffer (checked above), so it is read
    // without Buffer#readUInt32*'s argument checks (~50-90 ns a record, ~2% of `mailtap flows` on many;
    // issue 12 item 6).
    const le = this.littleEndian;
    const sec = le ? le32(buf, off) : be32(buf, off);
    const frac = le ? le32(buf, off + 4) : be32(buf, off + 4);
    const caplen = le ? le32(buf, off + 8) : be32(buf, off + 8);
    const wirelen = le ? le32(buf, off + 12) : be32(buf, off + 12);
    if (caplen > this.maxCaplen) {
      this.error = `record captured length ${caplen} exceeds ${this.maxCaplen}`;
      return CORRUPT;
    }
    const total = hdr + caplen;
    if (end - off < total) {
      this.needed = total;
      return NEED_MORE;
    }
    frame.tsMicros = sec * 1_000_000 + (this.nanos ? Math.floor(frac / 1000) : frac);
    frame.linkType = this.linkType;
    frame.wirelen = wirelen;
    setFrameBytes(frame, buf, off + hdr, caplen);
    this.frameReady = true;
    return total;
  }

  private parseHeader(buf: Buffer, off: number, end: number): number {
    this.frameReady = false;
    if (end - off < GLOBAL_HEADER_BYTES) {
      this.needed = GLOBAL_HEADER_BYTES;
      return NEED_MORE;
    }
    const magic = buf.readUInt32LE(off);
    switch (magic) {
      case PcapMagic.MICROS_LE:
      case PcapMagic.NANOS_LE:
      case PcapMagic.MODIFIED_LE:
        this.littleEndian = true;
        break;
      case PcapMagic.MICROS_BE:
      case PcapMagic.NANOS_BE:
      case PcapMagic.MODIFIED_BE:
        this.littleEndian = false;
        break;
      default:
        this.error = `not a pcap file (magic 0x${magic.toString(16).padStart(8, '0')})`;
        return CORRUPT;
    }
    this.nanos = magic === PcapMagic.NANOS_LE || magic === PcapMagic.NANOS_BE;
    const modified = magic === PcapMagic.MODIFIED_LE || magic === PcapMagic.MODIFIED_BE;
    this.recordHeaderBytes = RECORD_HEADER_BYTES + (modified ? MODIFIED_EXTRA_BYTES : 0);
    const le = this.littleEndian;
    const major = le ? buf.readUInt16LE(off + 4) : buf.readUInt16BE(off + 4);
    const minor = le ? buf.readUInt16LE(off + 6) : buf.readUInt16BE(off + 6);
    // libpcap reads only major version 2 (minor 4; older minors differ only in ancient readers).
    if (major !== 2) {
      this.error = `unsupported pcap version ${major}.${minor}`;
      return CORRUPT;
    }
    // The upper bits carry the FCS length flag (draft-ietf-opsawg-pcap §4); the link type is the low 16.
    const linkField = le ? buf.readUInt32LE(off + 20) : buf.readUInt32BE(off + 20);
    this.linkType = linkField & 0xffff;
    this.inHeader = false;
    return GLOBAL_HEADER_BYTES;
  }
}
