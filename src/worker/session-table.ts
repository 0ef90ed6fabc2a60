// The worker's share of connections: FlowId → SmtpSession, created on `open` (every flow opened
// here was recognised as SMTP by the main thread's gate, issue 12 item 2), destroyed after `close`
// (or when the engine throws). Consumes unpacked batch events
// (BatchHandler) and produces event records plus metric increments for the current batch.
// A session that throws is a bug, not traffic: it is dropped with an anomaly, the rest go on.
import type { CloseInfo, AnomalyInfo } from '../dispatch/types.js';
import type { BatchHandler } from '../dispatch/batch-codec.js';
import type { Direction, FlowId, FlowOpenInfo } from '../flow/types.js';
import type { SessionFacts, SmtpOutput, TransactionFacts } from '../smtp/types.js';
import type { SmtpSessionOptions } from '../smtp/session.js';
import { SmtpSession } from '../smtp/session.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import { ANOMALIES } from '../shared/anomalies.js';
import type { EventRecord } from '../records/types.js';
import { AnomalyEventLimiter } from '../records/anomaly-events.js';
import { buildAnomalyRecord, buildSessionRecord, buildTransactionRecord } from '../records/records.js';
import type { MetricDeltaAccumulator } from './metric-deltas.js';
import type { TransactionObserver } from '../extract/extractor.js';

/** Longest error text copied into an anomaly detail. */
const MAX_ERROR_DETAIL = 200;

/** The VLAN list of every untagged connection (most): frozen, shared, never written. */
const NO_VLAN = Object.freeze([]) as unknown as number[];

/**
 * One connection's engine, the SmtpOutput the engine reports to, and (by extending it) its
 * anomaly-event budget: one object per connection, methods on the prototype, not a limiter and
 * four closures beside it (issue 13 item 12, memory per open flow).
 */
class SessionEntry extends AnomalyEventLimiter implements SmtpOutput {
  engine: SmtpSession | null = null;

  constructor(
    readonly table: SessionTable,
    readonly info: FlowOpenInfo,
    anomalyEventLimit: number,
  ) {
    super(anomalyEventLimit);
  }

  transaction(t: TransactionFacts): void {
    this.table.emitTransaction(this, t);
  }

  session(s: SessionFacts): void {
    this.table.emitSession(this, s);
  }

  anomaly(name: AnomalyCode, tsMicros: number, detail?: string): void {
    this.table.emitAnomaly(this, name, tsMicros, detail);
  }
}

export interface SessionTableStats {
  opened: number;
  closed: number;
  /** Events for flows this worker has no session for (failed, or never opened). */
  orphanEvents: number;
  internalErrors: number;
}

export class SessionTable implements BatchHandler {
  private readonly sessions = new Map<FlowId, SessionEntry>();
  /** Records produced since the last takeRecords(). */
  private records: EventRecord[] = [];
  readonly stats: SessionTableStats = { opened: 0, closed: 0, orphanEvents: 0, internalErrors: 0 };

  constructor(
    private readonly opts: SmtpSessionOptions,
    private readonly metrics: MetricDeltaAccumulator,
    /** Extraction sidecars (extract.enabled); sees each transaction before its record is built. */
    private readonly extract?: TransactionObserver,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** `start`: what the gate's recognition found (smtp/start-flags.ts); the session does not recognise again. */
  onOpen(info: FlowOpenInfo, tsMicros: number, start = 0): void {
    if (this.sessions.has(info.flow)) return;
    // The batch gave this connection its own empty list; untagged ones share one (read only).
    if (info.vlan.length === 0) info.vlan = NO_VLAN;
    const entry = new SessionEntry(this, info, this.opts.limits.anomaly_events_per_session);
    this.sessions.set(info.flow, entry);
    try {
      entry.engine = new SmtpSession(info, this.opts, entry, this.metrics, start);
      this.stats.opened++;
    } catch (err) {
      this.fail(entry, err, tsMicros);
    }
  }

  onData(flow: FlowId, dir: Direction, bytes: Buffer, tsMicros: number): void {
    const entry = this.sessions.get(flow);
    if (entry === undefined || entry.engine === null) {
      this.stats.orphanEvents++;
      return;
    }
    try {
      entry.engine.onData(dir, bytes, tsMicros);
    } catch (err) {
      this.fail(entry, err, tsMicros);
    }
  }

  onGap(flow: FlowId, dir: Direction, len: number, tsMicros: number): void {
    const entry = this.sessions.get(flow);
    if (entry === undefined || entry.engine === null) {
      this.stats.orphanEvents++;
      return;
    }
    // The reassembler delivers the gap; its flow_gap anomaly is raised here, once per gap, for
    // connections a worker parses (a gap in a non-SMTP flow is no event of ours).
    this.emitAnomaly(entry, 'flow_gap', tsMicros, `${len} bytes missing ${dir}`);
    try {
      entry.engine.listAnomaly('flow_gap');
      entry.engine.onGap(dir, len, tsMicros);
    } catch (err) {
      this.fail(entry, err, tsMicros);
    }
  }

  onClose(flow: FlowId, close: CloseInfo, tsMicros: number): void {
    const entry = this.sessions.get(flow);
    if (entry === undefined || entry.engine === null) {
      this.stats.orphanEvents++;
      return;
    }
    try {
      entry.engine.onClose(close.reason, close.summary, tsMicros);
    } catch (err) {
      this.fail(entry, err, tsMicros);
    }
    this.sessions.delete(flow);
    this.stats.closed++;
  }

  /** Flow-level anomalies (reassembly, back-pressure): counted, and written within the connection's budget. */
  onAnomaly(flow: FlowId, a: AnomalyInfo, tsMicros: number): void {
    const entry = this.sessions.get(flow);
    if (entry === undefined) {
      this.metrics.anomaly(a.name);
      return;
    }
    this.emitAnomaly(entry, a.name, tsMicros, a.detail);
    // Listed in the transaction/session too (SPEC §3.1), except the two the session already
    // states as fields (`midstream`, `one_sided`). Issue 8: overlaps, seq jumps and snaplen cuts
    // were written as events but missing from the transaction they hit.
    if (entry.engine !== null && ANOMALIES[a.name].event) entry.engine.listAnomaly(a.name);
  }

  emitTransaction(entry: SessionEntry, t: TransactionFacts): void {
    this.extract?.onTransaction(entry.info, t);
    this.records.push(buildTransactionRecord(entry.info, t, this.opts));
    const m = t.message;
    this.metrics.transaction(t.status, m?.parts ?? 0, m?.attachments.length ?? 0, m !== undefined || t.data_bytes > 0 ? t.data_bytes : null);
  }

  emitSession(entry: SessionEntry, s: SessionFacts): void {
    this.records.push(buildSessionRecord(entry.info, s, this.opts));
    this.metrics.session(s.starttls);
    if (s.tls_handshake !== undefined) this.metrics.tls(s.tls_handshake.version, s.tls_handshake.outcome);
  }

  emitAnomaly(entry: SessionEntry, name: AnomalyCode, tsMicros: number, detail?: string): void {
    this.metrics.anomaly(name);
    if (entry.admit(name)) this.records.push(buildAnomalyRecord(entry.info, name, tsMicros, detail));
  }

  takeRecords(): EventRecord[] {
    const r = this.records;
    this.records = [];
    return r;
  }

  private fail(entry: SessionEntry, err: unknown, tsMicros: number): void {
    this.stats.internalErrors++;
    const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.emitAnomaly(entry, 'smtp_internal_error', tsMicros, text.slice(0, MAX_ERROR_DETAIL));
    this.sessions.delete(entry.info.flow);
  }
}
