// What a connection that ended still accepts while it waits the reorder window before its close
// (issue 13 item 9): the bytes an RST allows, and its own SYN delayed past its end. Pure helpers
// over FlowState, and RstWindows: the RST of each flow closing by one.
import type { FlowState } from './flow-state.js';
import { Side } from './flow-key.js';
import { SEQ_JUMP_LIMIT, seqAdd, seqDiff } from './seq.js';

/**
 * What an RST allows to arrive after it (RFC 5961 §3, RFC 9293 §3.10.7.4): its sender's bytes below
 * its sequence number were sent before it, and the peer's bytes below its ACK had arrived before it
 * was sent. A SPAN feed may deliver them after the RST; beyond these limits nothing is stream data.
 */
export interface RstWindow {
  /** The RST came from side A. */
  fromA: boolean;
  seq: number;
  /** The RST carried an ACK (else nothing more of the peer is allowed). */
  hasAck: boolean;
  ack: number;
}

/**
 * How many of the `len` bytes at `seq` from side A (`fromA`) or B the RST `w` still allows, or -1
 * for none; `out.fin` says whether a FIN after them was sent before the RST too (its slot below the
 * limit: with both FINs the close is `fin`).
 */
export function rstClip(w: RstWindow | undefined, fromA: boolean, seq: number, len: number, fin: boolean, out: { fin: boolean }): number {
  out.fin = false;
  if (w === undefined || (fromA !== w.fromA && !w.hasAck)) return -1;
  const room = seqDiff(fromA === w.fromA ? w.seq : w.ack, seq);
  if (room <= 0 || room > SEQ_JUMP_LIMIT) return -1;
  out.fin = fin && room > len;
  return room < len ? room : len;
}

/**
 * The SYN of this very connection (delayed past its end by a reordering feed), not a new one on the
 * same 4-tuple: it numbers the first byte its side ever delivered or declared missing.
 */
export function ownSyn(f: FlowState, side: Side, seq: number): boolean {
  const h = side === Side.A ? f.a : f.b;
  // Its side not anchored yet and the handshake still awaited (an RST came first): this is it.
  if (!h.hasSeq) return f.early;
  return seqAdd(seq, 1) === seqAdd(h.next, -(h.delivered + h.gapBytes));
}

/** The RST of each flow closing by one (FlowState.closeRst), and the clip of one segment against it. */
export class RstWindows {
  private readonly byFlow = new Map<FlowState, RstWindow>();
  /** Set by clip(): the segment's FIN lies within what the RST allows. */
  readonly out = { fin: false };

  set(f: FlowState, w: RstWindow): void {
    this.byFlow.set(f, w);
  }

  delete(f: FlowState): void {
    this.byFlow.delete(f);
  }

  /** rstClip() for f's RST (none: -1); `out.fin` says whether the segment's FIN counts. */
  clip(f: FlowState, fromA: boolean, seq: number, len: number, fin: boolean): number {
    return rstClip(this.byFlow.get(f), fromA, seq, len, fin, this.out);
  }
}
