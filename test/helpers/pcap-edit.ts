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
