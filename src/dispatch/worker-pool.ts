// The worker threads and what crosses to them: spawns and restarts workers, routes each flow's
// events to its worker's Batcher, posts batches with their buffers in the transfer list, and
// accounts in-flight bytes per worker against workers.queue_mb. Over budget, the `wait` policy
// (files) makes the source wait; the `drop` policy (live capture, which cannot push back on the
// network, STYLE §2 decision 1) turns the data into a gap plus flow_worker_backlog and counts it.
import { Worker } from 'node:worker_threads';
import type { Direction, FlowId, FlowOpenInfo } from '../flow/types.js';
import type { EventName } from '../records/types.js';
import type { AnomalyInfo, BatchMessage, CloseInfo, WorkerConfig, WorkerInbound, WorkerOutbound } from './types.js';
import type { MetricDeltas } from './metric-deltas.js';
import { PROTOCOL_VERSION } from './types.js';
import type { BatcherOptions } from './batcher.js';
import { Batcher, DEFAULT_BATCH_OPTIONS } from './batcher.js';
import { transferListOf } from './batch-codec.js';
import { routeFlow } from './router.js';

export type BacklogPolicy = 'wait' | 'drop';

export interface WorkerPoolOptions {
  count: number;
  /** In-flight bytes per worker (workers.queue_mb in bytes). */
  queueBytes: number;
  policy: BacklogPolicy;
  config: WorkerConfig;
  batch?: BatcherOptions;
  /** Worker entry; defaults to worker/worker-main (.ts under tsx, .js when compiled). */
  workerUrl?: URL;
  /** Restarts tolerated within RESTART_WINDOW_MS before the pool gives up (crash loops). */
  maxRestarts?: number;
  /** How long shutdown waits for a worker to say goodbye before terminating it. */
  shutdownTimeoutMs?: number;
}

export interface PoolEvents {
  /** Serialised events of a batch (see batch_done `lines`). */
  onLines(lines: string[], events: EventName[]): void;
  onDeltas(deltas: MetricDeltas): void;
  /** Worker `worker` died and was replaced; its sessions are lost. */
  onWorkerRestart(worker: number, reason: string): void;
  /** A message from a worker of unknown type or version was dropped. */
  onUnknownMessage(): void;
  /** The pool cannot continue (crash loop, invalid init). */
  onFatal(err: Error): void;
}

const RESTART_WINDOW_MS = 60_000;
const DEFAULT_MAX_RESTARTS = 10;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

export function defaultWorkerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`../worker/worker-main.${ext}`, import.meta.url);
}

/**
 * Compiled builds start the worker file directly. Under tsx (tests, development) a worker does not
 * inherit the TypeScript loader for its entry module, so a tiny bootstrap registers it first.
 */
export function startWorker(url: URL, name: string): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { name });
  const api = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, name });
}

interface Slot {
  id: number;
  worker: Worker;
  batcher: Batcher;
  inflight: number;
  /** Highest batch sequence number the worker reported done (-1: none). */
  doneSeq: number;
  /** Bumped on restart so messages of a dead worker are ignored. */
  generation: number;
  bye: boolean;
  /** Resolves when the current thread has exited (whatever the reason). */
  exited: Promise<void>;
}

interface Waiter {
  promise: Promise<void>;
  resolve: () => void;
}

function newWaiter(): Waiter {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly url: URL;
  private capacityWaiter: Waiter | null = null;
  private drainWaiter: Waiter | null = null;
  private restartTimes: number[] = [];
  private stopping = false;
  private failed: Error | null = null;
  /** Bytes turned into gaps by the drop policy (mailtap_dropped_bytes_total{reason="worker_backlog"}). */
  backlogDroppedBytes = 0;
  restarts = 0;

  constructor(
    private readonly opts: WorkerPoolOptions,
    private readonly events: PoolEvents,
  ) {
    this.url = opts.workerUrl ?? defaultWorkerUrl();
    const n = Math.max(1, opts.count);
    for (let i = 0; i < n; i++) {
      const slot: Slot = { id: i, worker: null as unknown as Worker, batcher: null as unknown as Batcher, inflight: 0, doneSeq: -1, generation: 0, bye: false, exited: Promise.resolve() };
      slot.batcher = new Batcher(opts.batch ?? DEFAULT_BATCH_OPTIONS, (msg) => this.post(slot, msg));
      this.slots.push(slot);
      this.spawn(slot);
    }
  }

  get size(): number {
    return this.slots.length;
  }

  workerOf(flow: FlowId): number {
    return routeFlow(flow, this.slots.length);
  }

  /** In-flight plus batched bytes of worker `i` (mailtap_worker_queue_bytes). */
  queueBytes(i: number): number {
    const s = this.slots[i];
    return s === undefined ? 0 : s.inflight + s.batcher.pendingBytes;
  }

  /** The batch sequence number that events queued now for `flow` will travel in. */
  pendingSeqOf(flow: FlowId): number {
    return this.slotOf(flow).batcher.nextSeq;
  }

  /** True once worker `worker` has processed batch `seq` (its records are in). */
  isDone(worker: number, seq: number): boolean {
    const s = this.slots[worker];
    return s !== undefined && s.doneSeq >= seq;
  }

  /** `start`: what the gate's recognition found (smtp/start-flags.ts), for the worker's session. */
  open(info: FlowOpenInfo, tsMicros: number, start = 0): void {
    this.slotOf(info.flow).batcher.addOpen(info, tsMicros, start);
  }

  /** Queues `bytes` (BORROWED, copied) for the flow's worker; false when dropped by the backlog policy. */
  data(flow: FlowId, tsMicros: number, dir: Direction, bytes: Buffer): boolean {
    const s = this.slotOf(flow);
    if (this.opts.policy === 'drop' && s.inflight + s.batcher.pendingBytes + bytes.length > this.opts.queueBytes) {
      s.batcher.addGap(flow, tsMicros, dir, bytes.length);
      s.batcher.addAnomaly(flow, tsMicros, { name: 'flow_worker_backlog', detail: `${bytes.length} bytes dropped` });
      this.backlogDroppedBytes += bytes.length;
      return false;
    }
    s.batcher.addData(flow, tsMicros, dir, bytes);
    return true;
  }

  gap(flow: FlowId, tsMicros: number, dir: Direction, len: number): void {
    this.slotOf(flow).batcher.addGap(flow, tsMicros, dir, len);
  }

  close(flow: FlowId, tsMicros: number, close: CloseInfo): void {
    this.slotOf(flow).batcher.addClose(flow, tsMicros, close);
  }

  anomaly(flow: FlowId, tsMicros: number, a: AnomalyInfo): void {
    this.slotOf(flow).batcher.addAnomaly(flow, tsMicros, a);
  }

  /** Sends every open batch. */
  flush(): void {
    for (const s of this.slots) {
      const msg = s.batcher.take();
      if (msg !== null) this.post(s, msg);
    }
  }

  /** Flushes, then resolves when every worker is within its budget (undefined when already so). */
  waitForCapacity(): Promise<void> | undefined {
    this.flush();
    if (this.failed !== null || this.underBudget()) return undefined;
    this.capacityWaiter ??= newWaiter();
    return this.capacityWaiter.promise;
  }

  /** Flushes, then resolves when every batch sent so far has been processed. */
  drain(): Promise<void> {
    this.flush();
    if (this.failed !== null || this.idle()) return Promise.resolve();
    this.drainWaiter ??= newWaiter();
    return this.drainWaiter.promise;
  }

  /** Asks every worker to finish (last metric deltas), terminating those that do not in time. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const timeout = this.opts.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    await Promise.all(
      this.slots.map(async (s) => {
        const msg: WorkerInbound = { t: 'shutdown', v: 1 };
        s.worker.postMessage(msg);
        const timer = setTimeout(() => void s.worker.terminate(), timeout);
        await s.exited;
        clearTimeout(timer);
      }),
    );
  }

  private slotOf(flow: FlowId): Slot {
    return this.slots[routeFlow(flow, this.slots.length)]!;
  }

  private underBudget(): boolean {
    for (const s of this.slots) if (s.inflight > this.opts.queueBytes) return false;
    return true;
  }

  private idle(): boolean {
    for (const s of this.slots) if (s.inflight > 0) return false;
    return true;
  }

  private post(s: Slot, msg: BatchMessage): void {
    s.inflight += msg.bytes;
    s.worker.postMessage(msg, transferListOf(msg));
  }

  private spawn(s: Slot): void {
    const gen = ++s.generation;
    const w = startWorker(this.url, `mailtap-worker-${s.id}`);
    s.worker = w;
    s.exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    s.inflight = 0;
    s.bye = false;
    w.on('message', (m: unknown) => {
      if (s.generation === gen) this.onMessage(s, m);
    });
    w.on('error', (err: Error) => {
      if (s.generation === gen) this.onDeath(s, `error: ${err.message}`);
    });
    w.on('exit', (code: number) => {
      if (s.generation === gen && !(this.stopping && s.bye)) this.onDeath(s, `exit code ${code}`);
    });
    const init: WorkerInbound = { t: 'init', v: 1, workerId: s.id, config: this.opts.config };
    w.postMessage(init);
  }

  private onDeath(s: Slot, reason: string): void {
    s.generation++; // ignore whatever else the dead worker reports
    if (this.stopping || this.failed !== null) {
      s.inflight = 0;
      this.wake();
      return;
    }
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.restartTimes.length >= (this.opts.maxRestarts ?? DEFAULT_MAX_RESTARTS)) {
      this.fail(new Error(`worker ${s.id} died (${reason}) and the restart limit was reached`));
      return;
    }
    this.restartTimes.push(now);
    this.restarts++;
    void s.worker.terminate();
    this.spawn(s);
    this.events.onWorkerRestart(s.id, reason);
    this.wake();
  }

  private fail(err: Error): void {
    if (this.failed !== null) return;
    this.failed = err;
    for (const s of this.slots) s.inflight = 0;
    this.events.onFatal(err);
    this.wake();
  }

  private onMessage(s: Slot, raw: unknown): void {
    const m = raw as WorkerOutbound;
    if (typeof raw !== 'object' || raw === null || m.v !== PROTOCOL_VERSION) {
      this.events.onUnknownMessage();
      return;
    }
    switch (m.t) {
      case 'ready':
        return;
      case 'batch_done':
        s.inflight = Math.max(0, s.inflight - m.bytes);
        if (m.seq > s.doneSeq) s.doneSeq = m.seq;
        s.batcher.recycle(m.payload, m.desc);
        if (m.lines.length > 0) this.events.onLines(m.lines, m.events);
        if (m.deltas !== null) this.events.onDeltas(m.deltas);
        this.wake();
        return;
      case 'bye':
        s.bye = true;
        if (m.deltas !== null) this.events.onDeltas(m.deltas);
        return;
      case 'fatal':
        this.fail(new Error(`worker ${s.id}: ${m.message}`));
        return;
      default:
        this.events.onUnknownMessage();
    }
  }

  private wake(): void {
    if (this.capacityWaiter !== null && (this.failed !== null || this.underBudget())) {
      const w = this.capacityWaiter;
      this.capacityWaiter = null;
      w.resolve();
    }
    if (this.drainWaiter !== null && (this.failed !== null || this.idle())) {
      const w = this.drainWaiter;
      this.drainWaiter = null;
      w.resolve();
    }
  }
}
