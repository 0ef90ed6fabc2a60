// The packet pipeline shared by `read` and `run`: decode → FlowTable → SmtpGate → WorkerPool →
// EventsWriter, with the main-thread packet counters published into Metrics. Owns those objects
// and the newest packet time seen; the caller owns the PacketSource, the timers and the order of
// shutdown. Consumes RawFrames; produces events (through the writer) and metric updates.
import { closeSync, openSync } from 'node:fs';
import { uidPrefix } from '../flow/uid.js';
import { FlowTable } from '../flow/flow-table.js';
import { PacketClock } from '../flow/packet-clock.js';
import { PacketDecoder, type PacketCounts } from './packet-decoder.js';
import type { DefragStats } from '../defrag/types.js';
import type { RawFrame, SourceStats } from '../capture/types.js';
import type { Config } from '../config/types.js';
import { ConfigError } from '../shared/errors.js';
import { WorkerPool } from '../dispatch/worker-pool.js';
import type { BacklogPolicy } from '../dispatch/worker-pool.js';
import type { WorkerConfig } from '../dispatch/types.js';
import { DEFAULT_PENDING_BYTES_PER_FLOW, DEFAULT_PENDING_BYTES_TOTAL, SmtpGate } from '../dispatch/smtp-gate.js';
import { EventsWriter } from '../output/events-writer.js';
import { buildAnomalyRecord } from '../records/records.js';
import type { Metrics } from '../output/metrics.js';
import type { OpLogger } from '../output/oplog.js';
import { extractWorkerConfigOf } from '../extract/options.js';

/** FlowTable.tick at least every this many packets and every second of packet time. */
const TICK_PACKETS = 4096;
const TICK_MICROS = 1_000_000;
const MIB = 1024 * 1024;

export function workerConfigOf(config: Config): WorkerConfig {
  return {
    limits: { ...config.limits },
    logPasswords: config.output.log_passwords,
    hashes: [...config.output.hashes],
    headers: [...config.output.headers],
    extract: extractWorkerConfigOf(config.extract),
  };
}

/** Fails early, with the path, when the events file cannot be opened (exit 1, not a late write error). */
export function checkEventsPath(path: string, fileMode: string): void {
  if (path === '-') return;
  try {
    closeSync(openSync(path, 'a', parseInt(fileMode, 8)));
  } catch (err) {
    throw new ConfigError(`cannot open the events file ${path}: ${(err as Error).message}`, [`output.events: ${(err as Error).message}`]);
  }
}

export interface PipelineOptions {
  config: Config;
  /** Events path (`-` = standard output). */
  events: string;
  /** Worker threads (already resolved from workers.count). */
  workers: number;
  /** `wait` for files (never drop), `drop` for live capture (cannot push back on the network). */
  policy: BacklogPolicy;
  log: OpLogger;
  metrics: Metrics;
  /** Worker entry override (tests). */
  workerUrl?: URL;
  /** How long WorkerPool.shutdown waits for each worker before terminating it. */
  shutdownTimeoutMs?: number;
  /** Nothing more can be processed (the writer failed, or the pool gave up): stop the source. */
  onHalt: (why: 'writer' | 'pool') => void;
  /**
   * An events file that fails (disk full, path gone): `drop` (run, SPEC §7: capture never stops;
   * events are dropped and counted, writing resumes) or `halt` (read: a failure, onHalt('writer')
   * with the error in Pipeline.fileError). Default `drop`.
   */
  fileFailure?: 'drop' | 'halt';
}

/**
 * Reading a file (`wait`), a deeper queue buys no speed (the reader simply waits for the workers)
 * but holds every in-flight session on both sides of the boundary: on 100k short sessions, 64 MiB
 * in flight meant ~25k open sessions and ~500 MB peak RSS, 8 MiB ~375 MB, at the same rate.
 * Live capture (`drop`) keeps all of workers.queue_mb to absorb worker stalls.
 */
const READ_INFLIGHT_MIB = 8;

function inflightBytes(queueMb: number, policy: BacklogPolicy): number {
  return (policy === 'wait' ? Math.min(queueMb, READ_INFLIGHT_MIB) : queueMb) * MIB;
}

export class Pipeline {
  readonly writer: EventsWriter;
  readonly pool: WorkerPool;
  readonly gate: SmtpGate;
  readonly table: FlowTable;
  /** Set when the pool gave up (crash loop, invalid init). */
  failure: Error | null = null;
  /** fileFailure `halt`: the events file's first write error. */
  fileError: NodeJS.ErrnoException | null = null;
  unknownMessages = 0;
  /**
   * Trusted packet time (µs): the clock of idle expiry and of closes at end of input. Not the
   * newest packet time: one stray packet stamped far ahead must not expire every flow (PacketClock).
   */
  maxTs = 0;
  private readonly clock = new PacketClock();
  private readonly metrics: Metrics;
  /** decode + defragmentation: the segments the flow table sees. */
  readonly decoder: PacketDecoder;
  private readonly packets: PacketCounts;
  private lastReassembly: DefragStats = { reassembled: 0, overlap: 0, timeout: 0, memcap: 0, invalid: 0 };
  private sinceTick = 0;
  private nextTickAt = 0;
  private backlogCounted = 0;

  constructor(opts: PipelineOptions) {
    const { config, log, metrics } = opts;
    this.metrics = metrics;
    this.decoder = new PacketDecoder(config);
    this.packets = this.decoder.counts;
    this.writer = new EventsWriter({
      path: opts.events,
      fileMode: config.output.file_mode,
      onWritten: (e) => metrics.countEvent(e),
      // A failing file (disk full, path gone) never stops the capture: events are dropped and
      // counted, logged once per episode, and writing resumes when the file takes lines again.
      onDropped: (e) => metrics.countEventDropped(e),
      onFailing: (err) => {
        if (opts.fileFailure === 'halt') {
          this.fileError ??= err;
          opts.onHalt('writer');
          return;
        }
        log.error({ err, events: opts.events }, `cannot write the events file; dropping events until it can be written again: ${err.message}`);
      },
      onRecovered: (dropped, failedMs) => log.warn({ events: opts.events, dropped, failedMs }, `events file writable again; ${dropped} events were dropped`),
      onError: () => opts.onHalt('writer'),
      // `read` never drops: it waits on writer.waitForDrain() (read-command.ts pace).
      stdoutMaxBytes: opts.policy === 'wait' ? 0 : config.output.stdout_buffer_mb * MIB,
      onStdoutDropping: () => log.warn({ limitMb: config.output.stdout_buffer_mb }, 'standard output is not keeping up: dropping events until its reader catches up (output.stdout_buffer_mb)'),
      onStdoutRecovered: (dropped) => log.warn({ dropped }, `standard output caught up; ${dropped} events were dropped`),
    });
    // The pool's callbacks run on worker messages, never during this constructor, so they may use
    // the gate built below (a dead worker's flows are stopped by the gate's IGNORE at their next event).
    this.pool = new WorkerPool(
      {
        count: opts.workers,
        queueBytes: inflightBytes(config.workers.queue_mb, opts.policy),
        policy: opts.policy,
        config: workerConfigOf(config),
        ...(opts.workerUrl === undefined ? {} : { workerUrl: opts.workerUrl }),
        ...(opts.shutdownTimeoutMs === undefined ? {} : { shutdownTimeoutMs: opts.shutdownTimeoutMs }),
      },
      {
        onLines: (lines, events) => this.writer.writeSerialized(lines, events),
        onDeltas: (d) => metrics.applyDeltas(d),
        onWorkerRestart: (worker, reason) => {
          metrics.countWorkerRestart();
          log.warn({ worker, reason }, `worker ${worker} died and was restarted; its connections are incomplete`);
          const ts = this.maxTs;
          const detail = `worker ${worker} restarted`;
          this.writer.writeAll(this.gate.onWorkerRestart(worker).map((info) => buildAnomalyRecord(info, 'flow_worker_restarted', ts, detail)));
        },
        onUnknownMessage: () => this.unknownMessages++,
        onFatal: (err) => {
          this.failure = err;
          opts.onHalt('pool');
        },
      },
    );
    this.gate = new SmtpGate(
      { smtpPorts: config.capture.ports, pendingBytesPerFlow: DEFAULT_PENDING_BYTES_PER_FLOW, pendingBytesTotal: DEFAULT_PENDING_BYTES_TOTAL },
      this.pool,
      { anomaly: (name) => metrics.countAnomaly(name) },
    );
    this.table = new FlowTable({ flows: config.flows, smtpPorts: config.capture.ports, uidPrefix: uidPrefix(config.output.uid_seed) }, this.gate);
  }

  /** The source's frame handler (bound once: no closure per packet). */
  readonly onFrame = (frame: RawFrame): void => {
    // A clamped time (shared/time.ts) is known to be wrong: it must not become everyone's clock.
    if (frame.tsClamped !== true) this.maxTs = this.clock.observe(frame.tsMicros);
    if (this.decoder.decode(frame) === null) this.table.onSegment(this.decoder.seg);
    if (++this.sinceTick >= TICK_PACKETS || this.maxTs >= this.nextTickAt) this.tick(this.maxTs);
  };

  /** Timeouts and reorder windows up to `nowMicros` (packet time; wall clock in live mode). */
  tick(nowMicros: number): void {
    this.clock.advanceTo(nowMicros);
    this.maxTs = this.clock.now;
    this.sinceTick = 0;
    this.nextTickAt = this.maxTs + TICK_MICROS;
    this.decoder.tick(this.maxTs);
    this.table.tick(this.maxTs);
  }

  /** Closes every open connection (`eof` at end of input, `shutdown` on SIGTERM). */
  closeAll(reason: 'eof' | 'shutdown'): void {
    this.decoder.finish();
    this.table.closeAll(reason, this.maxTs > 0 ? this.maxTs : undefined);
  }

  /** Main-thread counters, flow and capture stats, worker queues → Metrics. */
  publish(source: SourceStats | null): void {
    const { metrics, packets, pool } = this;
    for (const k of Object.keys(packets) as (keyof PacketCounts)[]) {
      metrics.countPacket(k, packets[k]);
      packets[k] = 0;
    }
    this.lastReassembly = metrics.updateReassembly(this.decoder.reassembly, this.lastReassembly);
    metrics.countAnomaly('capture_bad_timestamp', this.decoder.badTimestamps);
    this.decoder.badTimestamps = 0;
    metrics.updateFlowStats(this.table.stats());
    if (source !== null) metrics.updateSourceStats(source);
    for (let i = 0; i < pool.size; i++) metrics.setWorkerQueue(i, pool.queueBytes(i));
    metrics.countDropped('worker_backlog', pool.backlogDroppedBytes - this.backlogCounted);
    this.backlogCounted = pool.backlogDroppedBytes;
  }
}
