// A BORROWED range of a larger buffer whose Buffer view is made only when someone asks for it: a
// view (a FastBuffer) per packet and per payload was the largest allocation of the packet path
// (issue 12 item 6). The capture frame (capture/frame-window.ts) and the decoded segment's payload
// (decode/segment.ts) each hold one. Owns nothing: the bytes belong to whoever lent the buffer.

const EMPTY = Buffer.alloc(0);

export class LazyView {
  /** The buffer the bytes are in, and where they start and end in it. */
  source: Buffer = EMPTY;
  start = 0;
  end = 0;
  private made: Buffer | null = EMPTY;

  /** The bytes as their own view, made once per range on first use. */
  view(): Buffer {
    return (this.made ??= this.source.subarray(this.start, this.end));
  }

  /** The bytes are `v` itself (a caller that already has a view). */
  setView(v: Buffer): void {
    this.source = v;
    this.start = 0;
    this.end = v.length;
    this.made = v;
  }

  /** The bytes are `buf[start, end)`; no view is made until view(). */
  setRange(buf: Buffer, start: number, end: number): void {
    this.source = buf;
    this.start = start;
    this.end = end;
    this.made = null;
  }
}
