// A RawFrame over a window of a larger read buffer: `buf[off, off + caplen)`, with `data` made only
// when a consumer asks for it (the BPF filter, the defragmenter, tests). The decoder reads `buf`
// and `off` in place, so the packet path makes no Buffer view per frame: a view (a FastBuffer) per
// packet was the largest allocation of `mailtap flows` on `many` with the TCP payload's (issue 12
// item 6). Owns nothing: `buf` is BORROWED from the reader, like `data`.
import type { RawFrame } from './types.js';
import { LazyView } from '../shared/lazy-view.js';

export class FrameWindow implements RawFrame {
  tsMicros = 0;
  linkType = 0;
  caplen = 0;
  wirelen = 0;
  // The window is kept in a private field, behind getters: the frame's own enumerable fields stay
  // those of every other RawFrame (a consumer that copies a frame with `...frame` gets no read buffer).
  readonly #bytes = new LazyView();

  /** The read buffer the frame's bytes are in. */
  get buf(): Buffer {
    return this.#bytes.source;
  }

  /** Where the frame's bytes start in `buf`; they end at off + caplen. */
  get off(): number {
    return this.#bytes.start;
  }

  /** The captured bytes as their own view, made once per frame on first use. */
  get data(): Buffer {
    return this.#bytes.view();
  }

  set data(v: Buffer) {
    this.#bytes.setView(v);
    this.caplen = v.length;
  }

  /** Points the frame at `buf[off, off + caplen)`. */
  at(buf: Buffer, off: number, caplen: number): void {
    this.#bytes.setRange(buf, off, off + caplen);
    this.caplen = caplen;
  }
}

/** Points `frame` at `buf[off, off + caplen)`: in place for a FrameWindow, else as a view. */
export function setFrameBytes(frame: RawFrame, buf: Buffer, off: number, caplen: number): void {
  if (frame instanceof FrameWindow) frame.at(buf, off, caplen);
  else {
    frame.caplen = caplen;
    frame.data = buf.subarray(off, off + caplen);
  }
}
