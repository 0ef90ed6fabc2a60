// The worker ↔ main batch codec: the fixed-width event descriptors of a batch message, written by
// the Batcher on the main thread and read back by `unpackBatch` in the worker. Pure: owns no
// state; the buffers belong to the message (moved in its transfer list, sent back for reuse).
import type { Direction, FlowId, FlowOpenInfo } from '../flow/types.js';
import type { AnomalyInfo, BatchMessage, CloseInfo } from './types.js';
import { isStartFlags } from '../smtp/start-flags.js';

/** Event kinds in a batch descriptor (field 0). */
export const EventKind = { open: 0, data: 1, gap: 2, close: 3, anomaly: 4 } as const;
export type EventKindCode = (typeof EventKind)[keyof typeof EventKind];

/** Direction codes in a descriptor (field 3). */
export const DIR_C2S = 0;
export const DIR_S2C = 1;

/**
 * Descriptor layout: DESC_FIELDS doubles per event (Float64 keeps FlowIds and microsecond times
 * exact up to 2^53 without splitting them into 32-bit halves):
 *   [kind, flow, tsMicros, dir, a, b]
 *   open:    a = index into `opens`, b = the recognition findings (smtp/start-flags.ts), so they
 *            cost no field in the structured-cloned FlowOpenInfo
 *   data:    a = byte offset in `payload`, b = length
 *   gap:     a = length
 *   close:   a = index into `closes`
 *   anomaly: a = index into `anomalies`
 */
export const DESC_FIELDS = 6;

/** Writes descriptor number `index` of `desc` (the caller checked that it fits). */
export function writeDescriptor(desc: Float64Array, index: number, kind: number, flow: number, ts: number, dir: number, a: number, b: number): void {
  const i = index * DESC_FIELDS;
  desc[i] = kind;
  desc[i + 1] = flow;
  desc[i + 2] = ts;
  desc[i + 3] = dir;
  desc[i + 4] = a;
  desc[i + 5] = b;
}

/** The transfer list of a batch: both buffers move, nothing is cloned. */
export function transferListOf(msg: BatchMessage): ArrayBuffer[] {
  return msg.payload.byteLength > 0 ? [msg.desc.buffer as ArrayBuffer, msg.payload] : [msg.desc.buffer as ArrayBuffer];
}

export interface BatchHandler {
  /** `start`: what the main thread's recognition found (smtp/start-flags.ts). */
  onOpen(info: FlowOpenInfo, tsMicros: number, start: number): void;
  /** `bytes` is a view into the batch payload. */
  onData(flow: FlowId, dir: Direction, bytes: Buffer, tsMicros: number): void;
  onGap(flow: FlowId, dir: Direction, len: number, tsMicros: number): void;
  onClose(flow: FlowId, close: CloseInfo, tsMicros: number): void;
  onAnomaly(flow: FlowId, a: AnomalyInfo, tsMicros: number): void;
}

/** Replays a batch into `h` in order; returns the count of descriptors that did not make sense. */
export function unpackBatch(msg: BatchMessage, h: BatchHandler): number {
  const d = msg.desc;
  const n = Math.min(msg.count, Math.floor(d.length / DESC_FIELDS));
  let bad = msg.count - n;
  for (let e = 0; e < n; e++) {
    const i = e * DESC_FIELDS;
    const kind = d[i]!;
    const flow = d[i + 1]!;
    const ts = d[i + 2]!;
    const dir: Direction = d[i + 3] === DIR_S2C ? 's2c' : 'c2s';
    const a = d[i + 4]!;
    const b = d[i + 5]!;
    switch (kind) {
      case EventKind.open: {
        const info = msg.opens[a];
        if (info === undefined || !isStartFlags(b)) bad++;
        else h.onOpen(info, ts, b);
        break;
      }
      case EventKind.data:
        if (a < 0 || b < 0 || a + b > msg.payload.byteLength) bad++;
        else h.onData(flow, dir, Buffer.from(msg.payload, a, b), ts);
        break;
      case EventKind.gap:
        h.onGap(flow, dir, a, ts);
        break;
      case EventKind.close: {
        const c = msg.closes[a];
        if (c === undefined) bad++;
        else h.onClose(flow, c, ts);
        break;
      }
      case EventKind.anomaly: {
        const an = msg.anomalies[a];
        if (an === undefined) bad++;
        else h.onAnomaly(flow, an, ts);
        break;
      }
      default:
        bad++;
    }
  }
  return bad;
}
