// The metric-delta protocol: the counter increments a worker reports to the main thread with each
// batch_done (and with bye), applied to the one prom-client registry there (STYLE §2 decision 2:
// registries are per thread). Typed keys: each counter a worker may raise is named here with its
// label values in the order its metric declares the labels (output/metrics.ts METRIC_DEFS, whose
// `fromWorkers` set test/unit/output/metrics.test.ts checks against WORKER_COUNTERS). Produced by
// worker/metric-deltas.ts, consumed by output/metrics.ts; the message types are in types.ts.
import type { AnomalyCode } from '../shared/anomalies.js';
import type { AuthResult, StartTlsState, TransactionStatus } from '../smtp/types.js';
import type { ExtractKind, ExtractResult } from '../extract/file-writer.js';

/** Version of MetricDeltas; 1 was the joined-string form (`name\x1flabel…` keys). */
export const METRIC_DELTAS_VERSION = 2;

/** Label values of every counter a worker may increment (SPEC §4 names without `mailtap_`). */
export interface WorkerCounterLabels {
  smtp_sessions_total: readonly [starttls: StartTlsState | 'none'];
  smtp_tls_total: readonly [version: string, outcome: string];
  smtp_transactions_total: readonly [status: TransactionStatus];
  smtp_commands_total: readonly [command: string];
  smtp_replies_total: readonly [cls: '2xx' | '3xx' | '4xx' | '5xx'];
  smtp_auth_total: readonly [mechanism: string, result: AuthResult, cleartext: 'true' | 'false'];
  smtp_incomplete_transactions_total: readonly [];
  mime_parts_total: readonly [];
  attachments_total: readonly [];
  anomalies_total: readonly [name: AnomalyCode];
  extract_files_total: readonly [kind: ExtractKind | 'sidecar', result: ExtractResult];
  extract_bytes_total: readonly [];
}

export type WorkerCounter = keyof WorkerCounterLabels;

/** Label count of every WorkerCounter (a Record, so the compiler finds a counter left out). */
const LABEL_COUNTS: { [N in WorkerCounter]: WorkerCounterLabels[N]['length'] } = {
  smtp_sessions_total: 1, smtp_tls_total: 2, smtp_transactions_total: 1, smtp_commands_total: 1,
  smtp_replies_total: 1, smtp_auth_total: 3, smtp_incomplete_transactions_total: 0, mime_parts_total: 0,
  attachments_total: 0, anomalies_total: 1, extract_files_total: 2, extract_bytes_total: 0,
};

/** Every WorkerCounter with its label count, for checks at run time. */
export const WORKER_COUNTERS: ReadonlyMap<WorkerCounter, number> = new Map(Object.entries(LABEL_COUNTS) as [WorkerCounter, number][]);

/** One counter series and its increment since the last report. */
export type CounterDelta = { [N in WorkerCounter]: { name: N; labels: WorkerCounterLabels[N]; n: number } }[WorkerCounter];

export interface MetricDeltas {
  v: typeof METRIC_DELTAS_VERSION;
  /** One entry per series that moved, each series once. */
  counters: CounterDelta[];
  /** Observations of mailtap_message_bytes. */
  messageBytes: number[];
}

/** The increment of one series in `d` (0 when it did not move). For readers and tests. */
export function deltaOf<N extends WorkerCounter>(d: MetricDeltas, name: N, ...labels: WorkerCounterLabels[N]): number {
  let n = 0;
  for (const c of d.counters) {
    if (c.name === name && c.labels.length === labels.length && c.labels.every((v, i) => v === labels[i])) n += c.n;
  }
  return n;
}
