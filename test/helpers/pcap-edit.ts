// Record-level edits of classic little-endian pcap files, for tests that need a capture with a
// dropped, cut or corrupted packet made from a real one.

/** [offset, total length incl. the 16-byte record header] of every record. */
export function pcapRecords(buf: Buffer): [number, number][] {
  const recs: [number, number][] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const len = 16 + buf.readUInt32LE(off + 8);
    recs.push([off, len]);
    off += len;
  }
  return recs;
}

/** The capture without the first record whose bytes contain `needle`, and that record's index. */
export function dropRecordContaining(buf: Buffer, needle: string): { pcap: Buffer; index: number } {
  const recs = pcapRecords(buf);
  const index = recs.findIndex(([off, len]) => buf.subarray(off, off + len).includes(needle));
  if (index < 0) throw new Error(`no record contains ${needle}`);
  const [off, len] = recs[index]!;
  return { pcap: Buffer.concat([buf.subarray(0, off), buf.subarray(off + len)]), index };
}

/** One record of a classic pcap file: its header fields and a view of its captured bytes. */
export interface PcapRecord {
  sec: number;
  /** Microseconds, or nanoseconds when the file says so (PcapFile.nanos). */
  frac: number;
  /** The captured bytes (caplen = data.length); a view into the parsed file until replaced. */
  data: Buffer;
  /** Length on the wire (orig_len). */
  origLen: number;
}

/** A classic pcap file (either byte order, micro- or nanosecond), ready to edit and re-serialise. */
export interface PcapFile {
  littleEndian: boolean;
  nanos: boolean;
  snaplen: number;
  linkType: number;
  records: PcapRecord[];
  /** The global header's version and thiszone/sigfigs words, kept as read (bytes 4..16). */
  headerMiddle: Buffer;
}

const MAGIC_MICROS = 0xa1b2c3d4;
const MAGIC_NANOS = 0xa1b23c4d;

/** Parses a classic pcap; a trailing partial record is left out. Throws on another format. */
export function parsePcap(buf: Buffer): PcapFile {
  if (buf.length < 24) throw new Error('not a pcap file: shorter than its global header');
  const le = buf.readUInt32LE(0) === MAGIC_MICROS || buf.readUInt32LE(0) === MAGIC_NANOS;
  const magic = le ? buf.readUInt32LE(0) : buf.readUInt32BE(0);
  if (magic !== MAGIC_MICROS && magic !== MAGIC_NANOS) throw new Error(`not a classic pcap file (magic ${buf.readUInt32BE(0).toString(16)})`);
  const u32 = (off: number): number => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const records: PcapRecord[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const caplen = u32(off + 8);
    if (off + 16 + caplen > buf.length) break;
    records.push({ sec: u32(off), frac: u32(off + 4), data: buf.subarray(off + 16, off + 16 + caplen), origLen: u32(off + 12) });
    off += 16 + caplen;
  }
  return {
    littleEndian: le,
    nanos: magic === MAGIC_NANOS,
    snaplen: u32(16),
    linkType: u32(20) & 0x0fffffff, // the top bits may carry FCS information
    records,
    headerMiddle: Buffer.from(buf.subarray(4, 16)),
  };
}

/** The file's bytes, in the byte order and timestamp unit it was read with. */
export function serializePcap(p: PcapFile): Buffer {
  let size = 24;
  for (const r of p.records) size += 16 + r.data.length;
  const out = Buffer.alloc(size);
  const w32 = (v: number, off: number): void => {
    if (p.littleEndian) out.writeUInt32LE(v >>> 0, off);
    else out.writeUInt32BE(v >>> 0, off);
  };
  w32(p.nanos ? MAGIC_NANOS : MAGIC_MICROS, 0);
  p.headerMiddle.copy(out, 4);
  w32(p.snaplen, 16);
  w32(p.linkType, 20);
  let off = 24;
  for (const r of p.records) {
    w32(r.sec, off);
    w32(r.frac, off + 4);
    w32(r.data.length, off + 8);
    w32(r.origLen, off + 12);
    r.data.copy(out, off + 16);
    off += 16 + r.data.length;
  }
  return out;
}

/** A record's packet time in microseconds since the epoch. */
export function recordMicros(p: PcapFile, r: PcapRecord): number {
  return r.sec * 1_000_000 + (p.nanos ? Math.floor(r.frac / 1000) : r.frac);
}
