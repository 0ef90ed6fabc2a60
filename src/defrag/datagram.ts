// One IP datagram being reassembled (RFC 791 §3.2, RFC 8200 §4.5): its unfragmentable header and
// its data pieces, kept sorted and disjoint. Overlaps follow first-wins (the bytes that arrived
// first are kept, as most end hosts do); a later copy that disagrees on overlapping bytes marks the
// datagram, so the evasion (Ptacek & Newsham 1998: an IDS and the host choosing different copies)
// is reported. Owns copies of the bytes it holds; consumes borrowed fragment bytes.

interface Piece {
  start: number;
  end: number;
  bytes: Buffer;
}

/** Rough per-datagram cost beyond its bytes (object, key, arrays), counted against the memcap. */
export const DATAGRAM_OVERHEAD = 256;

export class Datagram {
  /** The unfragmentable header (from the offset-0 fragment), null until that fragment arrives. */
  header: Buffer | null = null;
  /** Data length, known once the last fragment (MF/M clear) arrived; -1 before. */
  total = -1;
  /** Overlapping fragments disagreed on some byte, or on where the datagram ends. */
  mismatch = false;
  /** Bytes held (header and pieces), for the memcap. */
  held = 0;
  /** IPv6: offset in `header` of the next-header byte to patch, and its value. */
  nhRel = 0;
  proto = 0;
  private readonly pieces: Piece[] = [];

  constructor(
    readonly key: string,
    /** Packet time of the first fragment: the timeout runs from it (RFC 791's timer is per datagram). */
    readonly firstMicros: number,
  ) {}

  /**
   * Adds the fragment's data [offset, offset + data.length). Returns the bytes newly held. `last`:
   * no more fragments follow this one. Data beyond a known end, or a second end that differs, is
   * a disagreement: marked and ignored.
   */
  add(offset: number, data: Buffer, last: boolean): number {
    const end = offset + data.length;
    if (this.total >= 0 && (end > this.total || (last && end !== this.total))) {
      this.mismatch = true;
      return 0;
    }
    if (last) {
      if (this.maxEnd() > end) {
        this.mismatch = true;
        return 0;
      }
      this.total = end;
    }
    let added = 0;
    let cursor = offset;
    let i = 0;
    const ps = this.pieces;
    while (i < ps.length && ps[i]!.end <= offset) i++;
    // Walk the pieces that overlap [offset, end): compare what overlaps, keep what is new.
    while (cursor < end) {
      const p = ps[i];
      if (p === undefined || p.start >= end) {
        added += this.insert(i, cursor, data.subarray(cursor - offset, end - offset));
        break;
      }
      if (p.start > cursor) {
        added += this.insert(i, cursor, data.subarray(cursor - offset, p.start - offset));
        i++;
        cursor = p.start;
        continue;
      }
      const ovEnd = Math.min(p.end, end);
      if (!this.mismatch && Buffer.compare(p.bytes.subarray(cursor - p.start, ovEnd - p.start), data.subarray(cursor - offset, ovEnd - offset)) !== 0) {
        this.mismatch = true;
      }
      cursor = ovEnd;
      i++;
    }
    return added;
  }

  /**
   * Holds the unfragmentable header of the offset-0 fragment (first copy wins) and, for IPv6, where
   * in it the byte naming the Fragment header sits and the next header to put there: RFC 8200 §4.5
   * takes both from the offset-0 fragment only.
   */
  setHeader(header: Buffer, nhRel: number, proto: number): number {
    if (this.header !== null) return 0;
    this.nhRel = nhRel;
    this.proto = proto;
    this.header = Buffer.from(header);
    this.held += header.length;
    return header.length;
  }

  /** Every byte from 0 to the end is here, and the header. */
  complete(): boolean {
    if (this.header === null || this.total < 0) return false;
    let at = 0;
    for (const p of this.pieces) {
      if (p.start !== at) return false;
      at = p.end;
    }
    return at === this.total;
  }

  /** The data in order; call only when complete(). */
  copyData(target: Buffer, at: number): void {
    for (const p of this.pieces) p.bytes.copy(target, at + p.start);
  }

  private maxEnd(): number {
    const last = this.pieces[this.pieces.length - 1];
    return last === undefined ? 0 : last.end;
  }

  private insert(i: number, start: number, bytes: Buffer): number {
    if (bytes.length === 0) return 0;
    this.pieces.splice(i, 0, { start, end: start + bytes.length, bytes: Buffer.from(bytes) });
    this.held += bytes.length;
    return bytes.length;
  }
}
