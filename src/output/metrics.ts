// Every SPEC §4 metric in one prom-client Registry (main thread only; STYLE §2 decision 2).
// Owns the registry and the last-seen values of cumulative sources (FlowStats, SourceStats) so it
// can turn them into counter increments. Consumes worker MetricDeltas, decoder outcomes, flow and
// capture stats and writer counts; produces the Prometheus text (served by the daemon later).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricDeltas } from '../dispatch/metric-deltas.js';
import { METRIC_DELTAS_VERSION } from '../dispatch/metric-deltas.js';
import type { FlowStats } from '../flow/types.js';
import type { SourceStats } from '../capture/types.js';
import type { SkipReason } from '../decode/types.js';
import { ANOMALIES } from '../shared/anomalies.js';
import type { DefragStats } from '../defrag/types.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import type { EventName } from '../records/types.js';
import { LossWindow } from './loss-window.js';

export const METRIC_PREFIX = 'mailtap_';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  type: MetricType;
  help: string;
  labels: readonly string[];
  /** Label values created at zero so dashboards see the series before the first increment. */
  initial?: readonly (readonly string[])[];
  /** Workers may increment it through MetricDeltas. */
  fromWorkers?: boolean;
}

const one = (...vals: string[]): string[][] => vals.map((v) => [v]);

/** SPEC §4, names without the prefix. */
export const METRIC_DEFS = {
  packets_total: { type: 'counter', help: 'Packets read, by decode result', labels: ['result'], initial: one('tcp', 'not_tcp', 'truncated', 'malformed', 'fragment', 'bad_checksum', 'tunnel_depth', 'unsupported_link') },
  capture_bytes_total: { type: 'counter', help: 'Captured bytes read', labels: [] },
  // No initial series: each `where` appears once the backend measures it (SPEC §4: an unmeasured
  // value is not exported, never exported as 0); cap cannot read pcap_stats (no `kernel`).
  capture_drops_total: { type: 'counter', help: 'Packets the platform reports dropped', labels: ['where'] },
  capture_loss_ratio: { type: 'gauge', help: 'Share of acknowledged TCP payload never seen, over the last metrics.loss_window_s seconds (0 when nothing was acknowledged in the window)', labels: [] },
  tcp_acked_bytes_total: { type: 'counter', help: 'TCP payload bytes acknowledged by the peer (denominator of capture loss over any window)', labels: [] },
  flows_active: { type: 'gauge', help: 'Open TCP connections', labels: [] },
  flows_total: { type: 'counter', help: 'Closed TCP connections, by close reason', labels: ['close'], initial: one('fin', 'rst', 'idle', 'evicted', 'eof', 'shutdown') },
  reassembly_bytes: { type: 'gauge', help: 'Bytes held out of order, all flows', labels: [] },
  // Issue 13 item 6: delivered bytes kept until acknowledged, so that a disagreeing retransmission is
  // seen (flow_overlap_mismatch); what the caps did not let us keep is not compared, and counted.
  reassembly_retained_bytes: { type: 'gauge', help: 'Delivered bytes kept until acknowledged to compare retransmissions with, all flows (flows.retransmit_check_kb, within flows.memcap_mb)', labels: [] },
  retransmit_unchecked_bytes_total: { type: 'counter', help: 'Delivered bytes released or never kept before their ACK (caps reached): a retransmission of them is not compared', labels: [] },
  reassembly_events_total: { type: 'counter', help: 'Reassembly events, by kind', labels: ['kind'], initial: one('out_of_order', 'retransmit', 'overlap', 'gap') },
  gap_bytes_total: { type: 'counter', help: 'Payload bytes never captured', labels: [] },
  smtp_sessions_total: { type: 'counter', help: 'SMTP sessions, by STARTTLS outcome', labels: ['starttls'], initial: one('none', 'offered', 'attempted', 'succeeded'), fromWorkers: true },
  smtp_tls_total: { type: 'counter', help: 'TLS handshakes after STARTTLS or of implicit TLS, by negotiated version and outcome', labels: ['version', 'outcome'], fromWorkers: true },
  smtp_transactions_total: { type: 'counter', help: 'SMTP transactions, by status', labels: ['status'], initial: one('accepted', 'rejected', 'aborted', 'incomplete', 'unknown'), fromWorkers: true },
  smtp_commands_total: { type: 'counter', help: 'SMTP client commands, by verb', labels: ['command'], fromWorkers: true },
  smtp_replies_total: { type: 'counter', help: 'SMTP server replies, by class', labels: ['class'], initial: one('2xx', '3xx', '4xx', '5xx'), fromWorkers: true },
  smtp_auth_total: { type: 'counter', help: 'SMTP AUTH exchanges', labels: ['mechanism', 'result', 'cleartext'], fromWorkers: true },
  mime_parts_total: { type: 'counter', help: 'MIME entities parsed', labels: [], fromWorkers: true },
  attachments_total: { type: 'counter', help: 'Attachments reported', labels: [], fromWorkers: true },
  message_bytes: { type: 'histogram', help: 'Message sizes as submitted', labels: [] },
  // Every known name starts at 0 so a panel shows 0, not "No data", for a name never raised (SPEC §5).
  anomalies_total: { type: 'counter', help: 'Anomaly occurrences, by name', labels: ['name'], initial: one(...Object.keys(ANOMALIES)), fromWorkers: true },
  worker_queue_bytes: { type: 'gauge', help: 'Bytes queued for or being parsed by a worker', labels: ['worker'] },
  worker_restarts_total: { type: 'counter', help: 'Worker threads restarted after dying', labels: [] },
  dropped_bytes_total: { type: 'counter', help: 'Payload bytes dropped, by reason', labels: ['reason'], initial: one('memcap', 'worker_backlog', 'flow_limit') },
  event_loop_lag_seconds: { type: 'gauge', help: 'Mean main event loop delay since the last scrape', labels: [] },
  events_total: { type: 'counter', help: 'Events written, by event', labels: ['event'], initial: one('smtp_transaction', 'smtp_session', 'anomaly') },
  flows_one_sided_total: { type: 'counter', help: 'Connections seen in one direction only', labels: ['side'], initial: one('client_only', 'server_only') },
  smtp_incomplete_transactions_total: { type: 'counter', help: 'Transactions a capture gap touched', labels: [], fromWorkers: true },
  extract_files_total: { type: 'counter', help: 'Files considered for extraction, by kind (attachment, message, sidecar) and result', labels: ['kind', 'result'], fromWorkers: true },
  extract_bytes_total: { type: 'counter', help: 'Bytes written to the extraction directory (files and sidecars; duplicates excluded)', labels: [], fromWorkers: true },
  ip_reassembly_total: { type: 'counter', help: 'Fragmented IP datagrams, by outcome (reassembled, overlap: reassembled with disagreeing overlaps, timeout, memcap, invalid fragment)', labels: ['result'], initial: one('reassembled', 'overlap', 'timeout', 'memcap', 'invalid') },
  events_dropped_total: { type: 'counter', help: 'Events lost because the events file could not be written (disk full, unwritable) or standard output fell behind past output.stdout_buffer_mb, by event', labels: ['event'], initial: one('smtp_transaction', 'smtp_session', 'anomaly') },
  build_info: { type: 'gauge', help: 'Always 1: the mailtap and Node versions, the libpcap in use and the capture backend (file for read)', labels: ['version', 'node', 'libpcap', 'backend'] },
} as const satisfies Record<string, MetricDef>;

export type MetricName = keyof typeof METRIC_DEFS;

/** mailtap_message_bytes buckets: 1 KiB … 64 MiB, powers of four. */
export const MESSAGE_BYTES_BUCKETS = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

export interface MetricsOptions {
  /** Register prom-client's default process metrics (off in tests that build many registries). */
  defaultMetrics?: boolean;
  /** metrics.loss_window_s: the capture_loss_ratio window (default 60 s). */
  lossWindowS?: number;
  /** Clock of the loss window, in milliseconds (default Date.now; tests inject their own). */
  now?: () => number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly byName = new Map<string, AnyMetric>();
  private readonly messageBytes: Histogram<string>;
  private lastFlow: FlowStats | null = null;
  private lastSource: SourceStats | null = null;
  private readonly loss: LossWindow;
  private readonly now: () => number;
  private loop: IntervalHistogram | null = null;
  /** Delta entries that named no worker metric or had a bad label count or value. */
  rejectedDeltas = 0;
  /** Plain running totals for `read`'s progress line and summary (prom-client's get() is async). */
  readonly tally = { packets: 0, anomalies: 0, gaps: 0, events: {} as Record<string, number> };

  constructor(opts: MetricsOptions = {}) {
    for (const [name, def] of Object.entries(METRIC_DEFS) as [MetricName, MetricDef][]) {
      const cfg = { name: METRIC_PREFIX + name, help: def.help, labelNames: [...def.labels], registers: [this.registry] };
      let m: AnyMetric;
      if (def.type === 'counter') m = new Counter(cfg);
      else if (def.type === 'gauge') m = new Gauge(cfg);
      else m = new Histogram({ ...cfg, buckets: MESSAGE_BYTES_BUCKETS });
      for (const values of def.initial ?? []) {
        if (m instanceof Counter) m.inc(labelsOf(def.labels, values), 0);
      }
      this.byName.set(name, m);
    }
    this.messageBytes = this.histogram('message_bytes');
    this.now = opts.now ?? Date.now;
    this.loss = new LossWindow((opts.lossWindowS ?? 60) * 1000);
    const lossGauge = this.gauge('capture_loss_ratio');
    // Recomputed on every scrape too: an idle link publishes nothing new, and the window must still
    // slide past the last loss.
    (lossGauge as unknown as { collect?: () => void }).collect = (): void => {
      lossGauge.set(this.loss.ratio(this.now()));
    };
    const lag = this.gauge('event_loop_lag_seconds');
    // prom-client calls `collect` on scrape: the value covers the interval since the last one.
    (lag as unknown as { collect?: () => void }).collect = (): void => {
      if (this.loop === null) return;
      lag.set(Number.isFinite(this.loop.mean) ? this.loop.mean / 1e9 : 0);
      this.loop.reset();
    };
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Starts sampling the main thread's event loop delay (stop() ends it). */
  startEventLoopMonitor(): void {
    if (this.loop !== null) return;
    this.loop = monitorEventLoopDelay({ resolution: 20 });
    this.loop.enable();
  }

  stop(): void {
    this.loop?.disable();
    this.loop = null;
  }

  counter(name: MetricName): Counter<string> {
    return this.byName.get(name) as Counter<string>;
  }

  gauge(name: MetricName): Gauge<string> {
    return this.byName.get(name) as Gauge<string>;
  }

  histogram(name: MetricName): Histogram<string> {
    return this.byName.get(name) as Histogram<string>;
  }

  /**
   * Worker increments (versioned, dispatch/metric-deltas.ts): a series of a metric workers may not
   * touch, a wrong label count, a label that is no string or an increment that is not a finite
   * number >= 0 is rejected and counted (the worker is trusted code, but a bug must not corrupt or
   * crash the registry).
   */
  applyDeltas(d: MetricDeltas): void {
    if (d.v !== METRIC_DELTAS_VERSION || !Array.isArray(d.counters) || !Array.isArray(d.messageBytes)) {
      this.rejectedDeltas++;
      return;
    }
    for (const c of d.counters) {
      const n = c.n;
      const labels: readonly unknown[] = c.labels;
      const def = Object.hasOwn(METRIC_DEFS, c.name) ? (METRIC_DEFS as Record<string, MetricDef>)[c.name] : undefined;
      if (def === undefined || def.fromWorkers !== true || def.type !== 'counter' || !Array.isArray(labels) ||
        labels.length !== def.labels.length || !labels.every((v) => typeof v === 'string') || !(n >= 0) || !Number.isFinite(n)) {
        this.rejectedDeltas++;
        continue;
      }
      const counter = this.byName.get(c.name) as Counter<string>;
      if (c.name === 'anomalies_total') this.tally.anomalies += n;
      if (def.labels.length === 0) counter.inc(n);
      else counter.inc(labelsOf(def.labels, labels as readonly string[]), n);
    }
    for (const b of d.messageBytes) {
      if (b >= 0 && Number.isFinite(b)) this.messageBytes.observe(b);
      else this.rejectedDeltas++;
    }
  }

  countPacket(result: SkipReason | 'tcp', n = 1): void {
    this.tally.packets += n;
    this.counter('packets_total').inc({ result }, n);
  }

  countEvent(event: EventName): void {
    this.tally.events[event] = (this.tally.events[event] ?? 0) + 1;
    this.counter('events_total').inc({ event });
  }

  countEventDropped(event: EventName): void {
    this.counter('events_dropped_total').inc({ event });
  }

  countAnomaly(name: AnomalyCode, n = 1): void {
    if (n <= 0) return;
    this.tally.anomalies += n;
    this.counter('anomalies_total').inc({ name }, n);
  }

  /**
   * Cumulative defragmenter stats → ip_reassembly_total and the packet-level anomalies (counted
   * here only: see "Packet-level anomalies" in src/README.md). Returns a copy to pass as `last` next time.
   */
  updateReassembly(s: DefragStats, last: DefragStats): DefragStats {
    const c = this.counter('ip_reassembly_total');
    for (const result of Object.keys(s) as (keyof DefragStats)[]) incBy(c, { result }, s[result] - last[result]);
    this.countAnomaly('ip_fragment_overlap', s.overlap - last.overlap);
    this.countAnomaly('ip_fragment_timeout', s.timeout - last.timeout);
    this.countAnomaly('ip_fragment_memcap', s.memcap - last.memcap);
    return { ...s };
  }

  countDropped(reason: 'memcap' | 'worker_backlog' | 'flow_limit', bytes: number): void {
    if (bytes > 0) this.counter('dropped_bytes_total').inc({ reason }, bytes);
  }

  /** mailtap_build_info: one series at 1 (SPEC §4). */
  setBuildInfo(info: { version: string; node: string; libpcap: string; backend: string }): void {
    const g = this.gauge('build_info');
    g.reset();
    g.set({ version: info.version, node: info.node, libpcap: info.libpcap, backend: info.backend }, 1);
  }

  countWorkerRestart(): void {
    this.counter('worker_restarts_total').inc();
  }

  setWorkerQueue(worker: number, bytes: number): void {
    this.gauge('worker_queue_bytes').set({ worker: String(worker) }, bytes);
  }

  /** Cumulative capture source counters → increments since the last call. */
  updateSourceStats(s: SourceStats): void {
    const last = this.lastSource;
    this.lastSource = { ...s };
    incBy(this.counter('capture_bytes_total'), null, s.bytes - (last?.bytes ?? 0));
    this.countDrops('kernel', s.dropsKernel, last?.dropsKernel ?? null);
    this.countDrops('interface', s.dropsInterface, last?.dropsInterface ?? null);
  }

  /** A measured cumulative drop count → its increment; inc by 0 creates the series (a measured 0 is exported), null creates nothing. */
  private countDrops(where: 'kernel' | 'interface', now: number | null, before: number | null): void {
    if (now === null) return;
    const delta = now - (before ?? 0);
    this.counter('capture_drops_total').inc({ where }, delta > 0 ? delta : 0);
  }

  /** Cumulative FlowStats → gauges and counter increments; capture loss over the sliding window. */
  updateFlowStats(s: FlowStats): void {
    const last = this.lastFlow;
    this.lastFlow = { ...s, flowsTotal: { ...s.flowsTotal }, oneSided: { ...s.oneSided } };
    this.gauge('flows_active').set(s.flowsActive);
    this.gauge('reassembly_bytes').set(s.holdbackBytes);
    this.gauge('reassembly_retained_bytes').set(s.retainedBytes);
    incBy(this.counter('retransmit_unchecked_bytes_total'), null, s.retainDroppedBytes - (last?.retainDroppedBytes ?? 0));
    for (const close of Object.keys(s.flowsTotal) as (keyof FlowStats['flowsTotal'])[]) {
      incBy(this.counter('flows_total'), { close }, s.flowsTotal[close] - (last?.flowsTotal[close] ?? 0));
    }
    for (const side of Object.keys(s.oneSided) as (keyof FlowStats['oneSided'])[]) {
      incBy(this.counter('flows_one_sided_total'), { side }, s.oneSided[side] - (last?.oneSided[side] ?? 0));
    }
    const ev = this.counter('reassembly_events_total');
    incBy(ev, { kind: 'out_of_order' }, s.outOfOrder - (last?.outOfOrder ?? 0));
    incBy(ev, { kind: 'retransmit' }, s.retransmit - (last?.retransmit ?? 0));
    incBy(ev, { kind: 'overlap' }, s.overlap - (last?.overlap ?? 0));
    incBy(ev, { kind: 'gap' }, s.gaps - (last?.gaps ?? 0));
    this.tally.gaps = s.gaps;
    incBy(this.counter('gap_bytes_total'), null, s.gapBytes - (last?.gapBytes ?? 0));
    // FlowStats.memcapDrops counts bytes the holdback caps turned into gaps.
    incBy(this.counter('dropped_bytes_total'), { reason: 'memcap' }, s.memcapDrops - (last?.memcapDrops ?? 0));
    const acked = s.ackedBytes - (last?.ackedBytes ?? 0);
    const missing = s.ackedMissingBytes - (last?.ackedMissingBytes ?? 0);
    incBy(this.counter('tcp_acked_bytes_total'), null, acked);
    const now = this.now();
    this.loss.add(now, acked, missing);
    this.gauge('capture_loss_ratio').set(this.loss.ratio(now));
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function labelsOf(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) out[names[i]!] = values[i] ?? '';
  return out;
}

function incBy(c: Counter<string>, labels: Record<string, string> | null, n: number): void {
  if (!(n > 0)) return;
  if (labels === null) c.inc(n);
  else c.inc(labels, n);
}
