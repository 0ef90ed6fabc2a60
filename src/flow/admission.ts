// The admission step: whether a segment's control bits and bytes may act on a connection that is
// ending. An RST acts only when it is plausible for its sender's sequence space; a packet of a
// connection waiting to close (K2/K3, issue 13 item 9) adds only the bytes its RST still allows;
// a segment of a connection still waiting for the handshake is clipped the same way.
import type { DecodedSegment } from '../decode/types.js';
import { TcpFlags } from '../decode/types.js';
import type { FlowState, HalfState } from './flow-state.js';
import type { Delivery } from './delivery.js';
import type { RstWindows } from './closing.js';
import { SEQ_JUMP_LIMIT, seqDiff } from './seq.js';

/**
 * A reset far outside the sender's sequence space is forged or stale (RFC 5961 §3 checks the
 * window; we only reject the absurd, as for data): it must not end the tracking.
 */
export function rstAcceptable(s: HalfState, seq: number): boolean {
  const d = seqDiff(seq, s.next);
  return !s.hasSeq || (d <= SEQ_JUMP_LIMIT && d >= -SEQ_JUMP_LIMIT);
}

export class Admission {
  /** Set by clip(): the wire bytes and flags left of the segment (flags without a FIN beyond the RST). */
  len = 0;
  flags = 0;

  constructor(
    private readonly delivery: Delivery,
    private readonly rst: RstWindows,
  ) {}

  /**
   * What an RST-closing connection still takes of a segment from side A (`fromA`) at `start`:
   * sets `len` (-1: nothing) and `flags` (its FIN only when sent before the RST).
   */
  clip(f: FlowState, fromA: boolean, start: number, len: number, flags: number): void {
    this.len = len;
    this.flags = flags;
    if (!f.closing) return;
    this.len = this.rst.clip(f, fromA, start, len, (flags & TcpFlags.FIN) !== 0);
    this.flags = (flags & ~TcpFlags.FIN) | (this.rst.out.fin ? TcpFlags.FIN : 0);
  }

  /**
   * A packet of a connection waiting to close (K2/K3): its time already counts toward `end`; bytes
   * an RST allows still go through reassembly, anything else is dropped as a late packet.
   */
  late(f: FlowState, fromA: boolean, seg: DecodedSegment, ts: number): void {
    const fin = (seg.flags & TcpFlags.FIN) !== 0;
    if (!f.closeRst || (seg.flags & (TcpFlags.SYN | TcpFlags.RST)) !== 0) return;
    const s = fromA ? f.a : f.bHalf();
    const p = fromA ? f.b : f.a;
    // Its ACK orders the bytes still allowed, as for a live packet (CausalOrder trusts only ACKs
    // onAck took).
    if ((seg.flags & TcpFlags.ACK) !== 0) this.delivery.ack(s, p, seg.ack);
    if (seg.payloadLen === 0 && !fin) return;
    const len = this.rst.clip(f, fromA, seg.seq, seg.payloadLen, fin);
    if (len < 0) return;
    const flags = (seg.flags & TcpFlags.ACK) | (this.rst.out.fin ? TcpFlags.FIN : 0);
    if (!s.hasSeq) return; // nothing of that side was anchored before the RST: no stream to add to
    const data = seg.payload.length > len ? seg.payload.subarray(0, len) : seg.payload;
    this.delivery.payload(f, s, p, seg.seq, data, len, flags, seg.ack, ts);
    this.delivery.release(f, ts);
  }
}
