// Main-thread StreamSink between the FlowTable and the worker pool: the one place that decides
// whether a flow is SMTP (issue 12 item 2). Owns one entry per open connection (GateEntry): while
// undecided its recognition state and a bounded copy of its first events, then only its
// FlowOpenInfo. Every flow, on capture.ports or not, is judged by SmtpRecognizer (the recognizer
// knows the "on an SMTP port" rules: there the first reply line or command decides) and sent to a
// worker only once recognised, with the verdict's findings (smtp/start-flags.ts: implicit TLS,
// HTTP CONNECT preambles) in its open. A flow no worker saw never yields an smtp_session; for a
// rejected flow onEvent answers IGNORE (the FlowTable stops delivering it: flow/types.ts) and its
// close is not forwarded.
//
// Why here and not in the worker: with `capture.filter: tcp` most flows are not SMTP and must be
// dropped before they cost a structured clone and a worker session; the main thread already holds
// the recognizer; and the worker (the bottleneck on the `many` benchmark) then does less. On an
// SMTP port the verdict comes with the first server line or client command, so holding until then
// is cheap. Nothing flows back: the worker never says "not SMTP".
import type { AnomalyCode } from '../shared/anomalies.js';
import { IGNORE, type FlowId, type FlowOpenInfo, type SinkVerdict, type StreamEvent, type StreamSink } from '../flow/types.js';
import { RECOGNITION_ONE_SIDE_LIMIT, SMTPS_PORT, SmtpRecognizer } from '../smtp/recognize.js';
import type { WorkerPool } from './worker-pool.js';

type FlowEvent = Exclude<StreamEvent, { t: 'open' }>;

export interface SmtpGateOptions {
  smtpPorts: readonly number[];
  /**
   * Bytes of one flow held while recognition is pending; past it the flow is left alone (on an
   * SMTP port: taken as SMTP, the port decides).
   */
  pendingBytesPerFlow: number;
  /** Bytes held for all pending flows together (a scan of many silent ports must not grow memory); past it, as above. */
  pendingBytesTotal: number;
}

/** The recognizer decides once either side has sent RECOGNITION_ONE_SIDE_LIMIT bytes. */
export const DEFAULT_PENDING_BYTES_PER_FLOW = 2 * RECOGNITION_ONE_SIDE_LIMIT;
export const DEFAULT_PENDING_BYTES_TOTAL = 64 * 1024 * 1024;

export interface GateCounters {
  /** An anomaly occurrence counted on the main thread (mailtap_anomalies_total). */
  anomaly(name: AnomalyCode): void;
}

/** The part of WorkerPool the gate uses (a recording fake in tests). */
/**
 * Closed flows awaiting their worker's batch_done are pruned when this many accumulate: the
 * workers finish batches within milliseconds, so the map stays near this size at most.
 */
const CLOSING_PRUNE_AT = 4096;

/**
 * Anomalies held for a flow before its verdict; further ones are only counted. A SYN flood (a
 * million half-open connections to port 25, each with its seq-jump anomalies) then neither reaches
 * a worker, which cost ~3 KiB of worker garbage and a batch slot per connection, nor grows the
 * held lists (issue 8, tcp-hostile.test.ts).
 */
const HELD_ANOMALIES = 16;

export type GatePool = Pick<WorkerPool, 'open' | 'data' | 'gap' | 'close' | 'anomaly' | 'workerOf' | 'pendingSeqOf' | 'isDone'>;

export interface GateStats {
  recognised: number;
  rejected: number;
  /** Flows rejected because the pending budget ran out before recognition decided. */
  undecided: number;
  /** Flows that closed while still pending (never sent to a worker). */
  closedPending: number;
  pendingBytes: number;
}

class GateFlow {
  recognizer: SmtpRecognizer | null = null;
  /** Anomalies in `held` (at most HELD_ANOMALIES). */
  heldAnomalies = 0;
  /** Events held until the flow is decided; null when none (most flows: issue 13 item 12). */
  held: FlowEvent[] | null = null;
  heldBytes = 0;
  constructor(
    readonly info: FlowOpenInfo,
    readonly tsMicros: number,
    /** The server port is in capture.ports: the recognizer's SMTP-port rules apply. */
    readonly onSmtpPort: boolean,
  ) {}
}

/**
 * What the gate keeps per open connection: a GateFlow while recognition is pending or the first
 * byte awaited; once the flow went to a worker, only its FlowOpenInfo (for flow_worker_restarted);
 * null once ignored. A GateFlow per SMTP flow for its whole life cost ~90 bytes per open
 * connection for nothing (issue 13 item 12, memory per open flow).
 */
type GateEntry = GateFlow | FlowOpenInfo | null;

export class SmtpGate implements StreamSink {
  private readonly flows = new Map<FlowId, GateEntry>();
  /**
   * SMTP flows whose close went to a worker in batch `seq` that the worker has not reported done:
   * if it dies first, their sessions are lost too and they are reported with the open ones.
   */
  private readonly closing = new Map<FlowId, { info: FlowOpenInfo; worker: number; seq: number }>();
  private closingPruneAt = CLOSING_PRUNE_AT;
  private readonly ports: Set<number>;
  readonly stats: GateStats = { recognised: 0, rejected: 0, undecided: 0, closedPending: 0, pendingBytes: 0 };

  constructor(
    private readonly opts: SmtpGateOptions,
    private readonly pool: GatePool,
    private readonly counters: GateCounters,
  ) {
    this.ports = new Set(opts.smtpPorts);
  }

  get openFlows(): number {
    return this.flows.size;
  }

  /**
   * IGNORE for a flow the gate rejected (by this event or before) or whose worker died: the
   * FlowTable stops delivering it (flow/types.ts IGNORE). A flow marked by a worker's death,
   * between segments, is answered at its next event.
   */
  onEvent(ev: StreamEvent): SinkVerdict {
    if (ev.t === 'open') {
      this.onOpen(ev.info, ev.tsMicros);
      return;
    }
    const f = this.flows.get(ev.flow);
    if (f === undefined) return;
    if (f === null) {
      if (ev.t === 'close') {
        this.flows.delete(ev.flow);
        return;
      }
      // Ignored: its anomalies are still counted.
      if (ev.t === 'anomaly') this.counters.anomaly(ev.name);
      return IGNORE;
    }
    if (!(f instanceof GateFlow)) {
      // At a worker (f is its FlowOpenInfo).
      if (ev.t === 'close') {
        this.noteClosing(f, this.pool.pendingSeqOf(ev.flow));
        this.flows.delete(ev.flow);
      }
      this.forward(ev);
      return;
    }
    return this.onPending(f, ev);
  }

  /**
   * Worker `worker` died: the sessions it held are lost. Returns its SMTP flows (open, or closed in
   * a batch it never finished), each once; the caller writes one flow_worker_restarted event per
   * flow (record building is the records stage's, not the gate's). The open ones are left alone
   * from now on (IGNORE at their next event).
   */
  onWorkerRestart(worker: number): FlowOpenInfo[] {
    const out: FlowOpenInfo[] = [];
    for (const [flow, f] of this.flows) {
      if (f === null || f instanceof GateFlow || this.pool.workerOf(flow) !== worker) continue;
      this.flows.set(flow, null);
      out.push(this.lost(f));
    }
    for (const [flow, c] of this.closing) {
      if (c.worker !== worker) continue;
      this.closing.delete(flow);
      if (!this.pool.isDone(worker, c.seq)) out.push(this.lost(c.info));
    }
    return out;
  }

  private lost(info: FlowOpenInfo): FlowOpenInfo {
    this.counters.anomaly('flow_worker_restarted');
    return info;
  }

  /** Remembers a closed SMTP flow until its worker has processed the batch holding the close. */
  private noteClosing(info: FlowOpenInfo, seq: number): void {
    if (this.closing.size >= this.closingPruneAt) {
      for (const [flow, c] of this.closing) if (this.pool.isDone(c.worker, c.seq)) this.closing.delete(flow);
      // A stalled worker keeps its entries: prune again only after the map doubles (amortised O(1)).
      this.closingPruneAt = Math.max(CLOSING_PRUNE_AT, 2 * this.closing.size);
    }
    this.closing.set(info.flow, { info, worker: this.pool.workerOf(info.flow), seq });
  }

  private onOpen(info: FlowOpenInfo, tsMicros: number): void {
    this.flows.set(info.flow, new GateFlow(info, tsMicros, this.ports.has(info.server.port)));
  }

  /** IGNORE when this event decided the flow is not SMTP. */
  private onPending(f: GateFlow, ev: FlowEvent): SinkVerdict {
    switch (ev.t) {
      case 'data': {
        // Created on the first byte, not on open: a SYN scan must not cost two windows per flow.
        f.recognizer ??= new SmtpRecognizer(f.onSmtpPort, f.info.server.port === SMTPS_PORT);
        const r = f.recognizer.feed(ev.dir, ev.bytes);
        if (r === 'smtp') {
          this.promote(f);
          this.forward(ev);
        } else if (r === 'not_smtp') {
          this.reject(f, false);
          return IGNORE;
        } else if (f.heldBytes + ev.bytes.length > this.opts.pendingBytesPerFlow || this.stats.pendingBytes + ev.bytes.length > this.opts.pendingBytesTotal) {
          // Out of budget before a verdict. On an SMTP port the port decides, as the recognizer
          // does for a side that talks at length: SMTP sessions there are never lost to memory
          // pressure (they reached a worker at once before issue 12). Elsewhere: left alone.
          if (f.onSmtpPort) {
            this.promote(f);
            this.forward(ev);
          } else {
            this.reject(f, true);
            return IGNORE;
          }
        } else {
          // ev.bytes is borrowed: keep a copy until the flow is decided.
          (f.held ??= []).push({ t: 'data', flow: ev.flow, tsMicros: ev.tsMicros, dir: ev.dir, bytes: Buffer.from(ev.bytes) });
          f.heldBytes += ev.bytes.length;
          this.stats.pendingBytes += ev.bytes.length;
        }
        return;
      }
      case 'gap':
        (f.held ??= []).push(ev);
        return;
      case 'anomaly':
        if (f.heldAnomalies < HELD_ANOMALIES) {
          f.heldAnomalies++;
          (f.held ??= []).push(ev);
        } else {
          this.counters.anomaly(ev.name);
        }
        return;
      case 'close':
        // Never recognised (not a byte in either direction, or too little to decide): no worker
        // saw it, so no smtp_session (SPEC §3.2).
        f.recognizer?.finish();
        this.closeUnsent(f);
        return;
    }
  }

  /** A flow closed before any worker heard of it: counted as not SMTP, its held events dropped. */
  private closeUnsent(f: GateFlow): void {
    this.stats.closedPending++;
    this.countHeldAnomalies(f);
    this.counters.anomaly('smtp_not_smtp');
    this.release(f);
    this.flows.delete(f.info.flow);
  }

  private promote(f: GateFlow): void {
    this.flows.set(f.info.flow, f.info);
    this.stats.recognised++;
    // The verdict's findings go with the open: the worker's session does not recognise again.
    this.pool.open(f.info, f.tsMicros, f.recognizer?.startFlags ?? 0);
    const held = f.held;
    this.release(f);
    if (held !== null) for (const ev of held) this.forward(ev);
  }

  private reject(f: GateFlow, undecided: boolean): void {
    this.flows.set(f.info.flow, null);
    this.stats.rejected++;
    if (undecided) this.stats.undecided++;
    this.countHeldAnomalies(f);
    this.release(f);
    this.counters.anomaly('smtp_not_smtp');
  }

  /** Anomalies of a flow no worker will see are still counted (mailtap_anomalies_total). */
  private countHeldAnomalies(f: GateFlow): void {
    if (f.held !== null) for (const ev of f.held) if (ev.t === 'anomaly') this.counters.anomaly(ev.name);
  }

  private release(f: GateFlow): void {
    this.stats.pendingBytes -= f.heldBytes;
    f.heldBytes = 0;
    f.held = null;
    f.recognizer = null;
  }

  private forward(ev: FlowEvent): void {
    switch (ev.t) {
      case 'data':
        this.pool.data(ev.flow, ev.tsMicros, ev.dir, ev.bytes);
        return;
      case 'gap':
        this.pool.gap(ev.flow, ev.tsMicros, ev.dir, ev.len);
        return;
      case 'close':
        this.pool.close(ev.flow, ev.tsMicros, { reason: ev.reason, summary: ev.summary });
        return;
      case 'anomaly':
        this.pool.anomaly(ev.flow, ev.tsMicros, ev.detail === undefined ? { name: ev.name } : { name: ev.name, detail: ev.detail });
        return;
    }
  }
}
