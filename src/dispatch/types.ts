// main ↔ worker protocol (STYLE §3.7): versioned, discriminated messages shared by both sides
// with `import type`. Bulk bytes cross as one transferred ArrayBuffer per batch plus a Float64Array
// of fixed-width event descriptors (also transferred); open/close/anomaly details ride as small
// structured objects in the same message, indexed from the descriptors. The descriptor layout and
// its encoder/decoder are batch-codec.ts; the metric increments are metric-deltas.ts.
import type { CloseReason, FlowOpenInfo, FlowSummary } from '../flow/types.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import type { LimitsConfig, OutputConfig } from '../config/types.js';
import type { ExtractWorkerConfig } from '../extract/options.js';
import type { MetricDeltas } from './metric-deltas.js';
import type { EventName } from '../records/types.js';

export const PROTOCOL_VERSION = 1;

export interface CloseInfo {
  reason: CloseReason;
  summary: FlowSummary;
}

export interface AnomalyInfo {
  name: AnomalyCode;
  detail?: string;
}

/** What a worker needs to run sessions; validated once when the worker starts. */
export interface WorkerConfig {
  limits: LimitsConfig;
  logPasswords: boolean;
  hashes: OutputConfig['hashes'];
  /** output.headers; absent: none. */
  headers?: OutputConfig['headers'];
  /** SPEC §6 `extract`; absent or `enabled: false`: nothing is written. */
  extract?: ExtractWorkerConfig;
}

export type WorkerInbound =
  | { t: 'init'; v: 1; workerId: number; config: WorkerConfig }
  | {
      t: 'batch';
      v: 1;
      seq: number;
      count: number;
      /** Bytes charged to this worker's in-flight budget (echoed back in batch_done). */
      bytes: number;
      desc: Float64Array;
      payload: ArrayBuffer;
      opens: FlowOpenInfo[];
      closes: CloseInfo[];
      anomalies: AnomalyInfo[];
    }
  | { t: 'shutdown'; v: 1 };

export type BatchMessage = Extract<WorkerInbound, { t: 'batch' }>;

export type WorkerOutbound =
  | { t: 'ready'; v: 1; workerId: number }
  /** One per batch, after every event of it was processed: frees `bytes` of the budget. */
  | {
      t: 'batch_done';
      v: 1;
      seq: number;
      bytes: number;
      /**
       * The batch's events, serialised by the worker (JSON.stringify of each EventRecord), with
       * their event names in `events` (same order) for mailtap_events_total.
       */
      lines: string[];
      events: EventName[];
      deltas: MetricDeltas | null;
      /**
       * The batch's own buffers, transferred back for the main thread to refill: a fresh 256 KiB
       * ArrayBuffer per batch cost page faults and zeroing on main and garbage on the worker
       * (~10% of main's CPU on a 1 GB capture). The worker keeps no view into them (parsers copy
       * what they hold, STYLE §3.2 BORROWED).
       */
      payload?: ArrayBuffer;
      desc?: Float64Array;
    }
  /** Reply to shutdown: last metrics; the worker then exits. */
  | { t: 'bye'; v: 1; deltas: MetricDeltas | null; droppedMessages: number }
  | { t: 'fatal'; v: 1; message: string };
