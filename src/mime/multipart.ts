// Multipart delimiters (RFC 2046 §5.1.1): the open boundaries, innermost last, and byte-wise
// matching of a line against them. Innermost is tried first so a boundary that is a prefix of
// another still matches the right one; after the boundary only `--` and transport whitespace may
// follow. Owns the boundary stack; consumes line views, produces a match or undefined.

const DASH = 0x2d;

export interface BoundaryFrame {
  /** The boundary bytes without the leading `--` (owned copy). */
  readonly boundary: Buffer;
  /** Depth of the multipart entity that declared it. */
  readonly depth: number;
  /** multipart/digest: parts default to message/rfc822 (RFC 2046 §5.1.5). */
  readonly digest: boolean;
}

export interface BoundaryMatch {
  /** Index in the stack of the frame that matched. */
  index: number;
  /** `--boundary--`: the close delimiter. */
  close: boolean;
}

export class BoundaryStack {
  readonly frames: BoundaryFrame[] = [];

  push(boundary: Buffer, depth: number, digest: boolean): void {
    this.frames.push({ boundary, depth, digest });
  }

  /** Drops frames above `index` (kept: 0..index-1 when `inclusive`). */
  popTo(index: number, inclusive: boolean): void {
    this.frames.length = inclusive ? index : index + 1;
  }

  get size(): number {
    return this.frames.length;
  }

  /** Matches the line content [start, end) (no line break) against the open boundaries. */
  match(buf: Buffer, start: number, end: number): BoundaryMatch | undefined {
    if (end - start < 2 || buf[start] !== DASH || buf[start + 1] !== DASH) return undefined;
    const bodyStart = start + 2;
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const b = this.frames[i]!.boundary;
      const bEnd = bodyStart + b.length;
      if (bEnd > end || buf.compare(b, 0, b.length, bodyStart, bEnd) !== 0) continue;
      let p = bEnd;
      let close = false;
      if (p + 1 < end && buf[p] === DASH && buf[p + 1] === DASH) {
        close = true;
        p += 2;
      }
      while (p < end && (buf[p] === 0x20 || buf[p] === 0x09)) p++;
      if (p === end) return { index: i, close };
    }
    return undefined;
  }
}

/** A boundary taken from the first `--` line of a multipart whose header named none (lenient). */
export function sniffBoundary(buf: Buffer, start: number, end: number, maxLen: number): Buffer | undefined {
  if (end - start < 3 || buf[start] !== DASH || buf[start + 1] !== DASH) return undefined;
  let e = end;
  while (e > start + 2 && (buf[e - 1] === 0x20 || buf[e - 1] === 0x09)) e--;
  if (e - start - 2 > maxLen) return undefined;
  return Buffer.from(buf.subarray(start + 2, e));
}
