// Packs one worker's stream events into batches: the bytes of every data event copied once into a
// single ArrayBuffer, a Float64Array of fixed-width descriptors, and small side arrays for open,
// close and anomaly details (layout and its decoder `unpackBatch`: batch-codec.ts). Owns the open
// batch of one worker and the spare buffers workers sent back. Data larger than a batch is split
// (parsers are split-invariant, STYLE §3.2).
import type { Direction, FlowId, FlowOpenInfo } from '../flow/types.js';
import type { AnomalyInfo, BatchMessage, CloseInfo } from './types.js';
import { DESC_FIELDS, DIR_C2S, DIR_S2C, EventKind, writeDescriptor } from './batch-codec.js';

export interface BatcherOptions {
  /** Payload bytes per batch before it is sent. */
  batchBytes: number;
  /** Events per batch before it is sent. */
  maxEvents: number;
}

export const DEFAULT_BATCH_OPTIONS: BatcherOptions = { batchBytes: 256 * 1024, maxEvents: 2048 };

const DESC_BYTES = DESC_FIELDS * 8;
/** Returned buffers kept for reuse per batcher; more than this in flight are left to the GC. */
const MAX_SPARE_BUFFERS = 4;

export class Batcher {
  private desc: Float64Array;
  private payload: Uint8Array | null = null;
  private used = 0;
  private count = 0;
  private opens: FlowOpenInfo[] = [];
  private closes: CloseInfo[] = [];
  private anomalies: AnomalyInfo[] = [];
  private seq = 0;
  /** Buffers a worker sent back with batch_done, refilled before new ones are allocated. */
  private readonly sparePayloads: ArrayBuffer[] = [];
  private readonly spareDescs: Float64Array[] = [];

  /** Sequence number the batch being filled will carry (events added now travel in it). */
  get nextSeq(): number {
    return this.seq;
  }

  /** `send` receives each full batch; `take()` hands over a partial one. */
  constructor(
    private readonly opts: BatcherOptions,
    private readonly send: (msg: BatchMessage) => void,
  ) {
    this.desc = new Float64Array(opts.maxEvents * DESC_FIELDS);
  }

  /** Bytes the open batch would charge to the worker's budget. */
  get pendingBytes(): number {
    return this.used + this.count * DESC_BYTES;
  }

  get pendingEvents(): number {
    return this.count;
  }

  /** `start`: the recognition findings (smtp/start-flags.ts) the worker's session begins with. */
  addOpen(info: FlowOpenInfo, tsMicros: number, start = 0): void {
    this.push(EventKind.open, info.flow, tsMicros, 0, this.opens.length, start);
    this.opens.push(info);
    this.sendIfFull();
  }

  /** Copies `bytes` (BORROWED) into the batch. */
  addData(flow: FlowId, tsMicros: number, dir: Direction, bytes: Buffer): void {
    const d = dir === 'c2s' ? DIR_C2S : DIR_S2C;
    let off = 0;
    while (off < bytes.length) {
      if (this.payload === null) {
        const spare = this.sparePayloads.pop();
        this.payload = spare === undefined ? new Uint8Array(this.opts.batchBytes) : new Uint8Array(spare);
      }
      const free = this.payload.length - this.used;
      if (free === 0) {
        this.flushNow();
        continue;
      }
      const n = Math.min(free, bytes.length - off);
      this.payload.set(off === 0 && n === bytes.length ? bytes : bytes.subarray(off, off + n), this.used);
      this.push(EventKind.data, flow, tsMicros, d, this.used, n);
      this.used += n;
      off += n;
      this.sendIfFull();
    }
  }

  addGap(flow: FlowId, tsMicros: number, dir: Direction, len: number): void {
    this.push(EventKind.gap, flow, tsMicros, dir === 'c2s' ? DIR_C2S : DIR_S2C, len, 0);
    this.sendIfFull();
  }

  addClose(flow: FlowId, tsMicros: number, close: CloseInfo): void {
    this.push(EventKind.close, flow, tsMicros, 0, this.closes.length, 0);
    this.closes.push(close);
    this.sendIfFull();
  }

  addAnomaly(flow: FlowId, tsMicros: number, a: AnomalyInfo): void {
    this.push(EventKind.anomaly, flow, tsMicros, 0, this.anomalies.length, 0);
    this.anomalies.push(a);
    this.sendIfFull();
  }

  /** Hands over the open batch (null when empty) and starts a new one. */
  take(): BatchMessage | null {
    if (this.count === 0) return null;
    const payload = this.payload === null ? new ArrayBuffer(0) : (this.payload.buffer as ArrayBuffer);
    const msg: BatchMessage = {
      t: 'batch',
      v: 1,
      seq: this.seq++,
      count: this.count,
      bytes: this.pendingBytes,
      desc: this.desc,
      payload,
      opens: this.opens,
      closes: this.closes,
      anomalies: this.anomalies,
    };
    // The buffers are moved to the worker: never reuse them here (recycle() takes them back).
    this.desc = this.spareDescs.pop() ?? new Float64Array(this.opts.maxEvents * DESC_FIELDS);
    this.payload = null;
    this.used = 0;
    this.count = 0;
    this.opens = [];
    this.closes = [];
    this.anomalies = [];
    return msg;
  }

  /** Takes back a batch's buffers from its worker; wrong sizes (options changed) are dropped. */
  recycle(payload: ArrayBuffer | undefined, desc: Float64Array | undefined): void {
    if (payload !== undefined && payload.byteLength === this.opts.batchBytes && this.sparePayloads.length < MAX_SPARE_BUFFERS) {
      this.sparePayloads.push(payload);
    }
    if (desc !== undefined && desc.length === this.opts.maxEvents * DESC_FIELDS && this.spareDescs.length < MAX_SPARE_BUFFERS) {
      this.spareDescs.push(desc);
    }
  }

  private push(kind: number, flow: number, ts: number, dir: number, a: number, b: number): void {
    writeDescriptor(this.desc, this.count, kind, flow, ts, dir, a, b);
    this.count++;
  }

  private sendIfFull(): void {
    if (this.count >= this.opts.maxEvents || (this.payload !== null && this.used >= this.payload.length)) this.flushNow();
  }

  private flushNow(): void {
    const msg = this.take();
    if (msg !== null) this.send(msg);
  }
}
