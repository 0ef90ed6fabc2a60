// A TCP conversation written as Ethernet/IPv4 frames with their packet times, for end-to-end tests
// on hand-built captures (issue 13): each side's sequence and acknowledgement numbers follow the
// bytes sent, so a test states only who sends what, when, and which packets to leave out.
import type { RawFrame } from '../../src/capture/types.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, classicPcap, ethernet, rawFrame, tcp4 } from './frames.js';

export const CONV_T0 = 1_700_000_000_000_000;

export class Conversation {
  /** Packet time of the next frame (µs); each frame advances it by `step` unless given. */
  ts = CONV_T0;
  step = 1000;
  readonly frames: RawFrame[] = [];
  private cNext: number;
  private sNext: number;

  constructor(
    readonly client = '192.0.2.10:40000',
    readonly server = '198.51.100.25:25',
    cIsn = 1000,
    sIsn = 5000,
  ) {
    this.cNext = cIsn;
    this.sNext = sIsn;
  }

  private frame(fromClient: boolean, flags: number, payload: Buffer, ts?: number): RawFrame {
    const [sh, sp] = split(fromClient ? this.client : this.server);
    const [dh, dp] = split(fromClient ? this.server : this.client);
    const seq = fromClient ? this.cNext : this.sNext;
    const ack = fromClient ? this.sNext : this.cNext;
    const ip = tcp4({ srcPort: sp, dstPort: dp, seq, ack, flags, payload }, { src: sh, dst: dh });
    if (ts !== undefined) this.ts = ts;
    else this.ts += this.step;
    return rawFrame(ethernet(ip), 1, this.ts);
  }

  private send(fromClient: boolean, flags: number, data: string | Buffer, ts?: number, keep = true): RawFrame {
    const payload = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const f = this.frame(fromClient, flags, payload, ts);
    const used = payload.length + ((flags & (TCP_SYN | TCP_FIN)) !== 0 ? 1 : 0);
    if (fromClient) this.cNext = (this.cNext + used) >>> 0;
    else this.sNext = (this.sNext + used) >>> 0;
    if (keep) this.frames.push(f);
    return f;
  }

  handshake(): this {
    this.send(true, TCP_SYN, '');
    // The SYN-ACK acknowledges the SYN, which was counted above.
    this.send(false, TCP_SYN | TCP_ACK, '');
    this.send(true, TCP_ACK, '');
    return this;
  }

  /** Client bytes; `keep` false leaves the packet out of the capture (the bytes still count). */
  c(data: string | Buffer, o: { ts?: number; keep?: boolean } = {}): this {
    this.send(true, TCP_ACK | TCP_PSH, data, o.ts, o.keep ?? true);
    return this;
  }

  s(data: string | Buffer, o: { ts?: number; keep?: boolean } = {}): this {
    this.send(false, TCP_ACK | TCP_PSH, data, o.ts, o.keep ?? true);
    return this;
  }

  /** Both FINs and the last ACK. */
  close(): this {
    this.send(true, TCP_FIN | TCP_ACK, '');
    this.send(false, TCP_FIN | TCP_ACK, '');
    this.send(true, TCP_ACK, '');
    return this;
  }

  /** Only the frames of one side (a one-sided feed). */
  only(side: 'client' | 'server'): RawFrame[] {
    const [h, p] = split(side === 'client' ? this.client : this.server);
    const want = Buffer.from(h.split('.').map(Number));
    return this.frames.filter((f) => f.data.subarray(14 + 12, 14 + 16).equals(want) && f.data.readUInt16BE(14 + 20) === p);
  }
}

function split(ep: string): [string, number] {
  const i = ep.lastIndexOf(':');
  return [ep.slice(0, i), Number(ep.slice(i + 1))];
}

/** A classic Ethernet pcap of frames in the order given. */
export function pcapOf(frames: RawFrame[]): Buffer {
  return classicPcap(1, frames);
}
