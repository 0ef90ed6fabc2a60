// `mailtap read` (SPEC §2): every packet of the capture files through decode → FlowTable →
// SmtpGate → worker pool, events written by the main thread's EventsWriter; at end of input every
// open connection is closed as `eof`, the workers drained and the writer flushed before the exit
// code is returned. Owns the pipeline objects of one run and the main-thread packet counters.
import { closeSync, openSync } from 'node:fs';
import { FlowTable } from '../flow/flow-table.js';
import { decodePacket, newDecodedSegment } from '../decode/decode-packet.js';
import type { SkipReason } from '../decode/types.js';
import { openFileSource } from '../capture/file-source.js';
import type { RawFrame, SourceEnd } from '../capture/types.js';
import type { Config } from '../config/types.js';
import { CaptureFileError, ConfigError, WorkerCrashedError } from '../shared/errors.js';
import { WorkerPool } from '../dispatch/worker-pool.js';
import type { WorkerConfig } from '../dispatch/types.js';
import { DEFAULT_PENDING_BYTES_PER_FLOW, DEFAULT_PENDING_BYTES_TOTAL, SmtpGate } from '../dispatch/smtp-gate.js';
import { EventsWriter } from '../output/events-writer.js';
import { Metrics } from '../output/metrics.js';
import type { OpLogger } from '../output/oplog.js';

export interface ReadOptions {
  config: Config;
  files: readonly string[];
  /** Events path (`-` = standard output). */
  events: string;
  /** Worker threads (already resolved from workers.count). */
  workers: number;
  log: OpLogger;
  /** Worker entry override (tests). */
  workerUrl?: URL;
  /** Receives the metrics registry once the run is over (tests; the daemon serves it instead). */
  onMetrics?: (m: Metrics) => void;
}

/** FlowTable.tick at least every this many packets and every second of packet time. */
const TICK_PACKETS = 4096;
const TICK_MICROS = 1_000_000;
const MIB = 1024 * 1024;

export function workerConfigOf(config: Config): WorkerConfig {
  return {
    limits: { ...config.limits },
    logPasswords: config.output.log_passwords,
    smtpPorts: [...config.capture.ports],
    hashes: [...config.output.hashes],
  };
}

/** Fails early, with the path, when the events file cannot be opened (exit 1, not a late write error). */
function checkEventsPath(path: string, fileMode: string): void {
  if (path === '-') return;
  try {
    closeSync(openSync(path, 'a', parseInt(fileMode, 8)));
  } catch (err) {
    throw new ConfigError(`cannot open the events file ${path}: ${(err as Error).message}`, [`output.events: ${(err as Error).message}`]);
  }
}

/** Runs `mailtap read`; resolves to 0, or 3 for a corrupt capture (after flushing every session). */
export async function runRead(opts: ReadOptions): Promise<number> {
  const { config, log } = opts;
  checkEventsPath(opts.events, config.output.file_mode);
  const metrics = new Metrics();
  metrics.startEventLoopMonitor();
  const source = openFileSource(opts.files, { onWarning: (msg) => log.warn(msg) });
  const writer = new EventsWriter({
    path: opts.events,
    fileMode: config.output.file_mode,
    onWritten: (e) => metrics.countEvent(e),
    // Nothing more can be written: stop reading (a closed pipe, `mailtap read x | head`, is no error).
    onError: () => source.stop(),
  });
  const failure: { err: Error | null } = { err: null };
  let unknownMessages = 0;
  let maxTs = 0;
  // The pool's callbacks run on worker messages, after the gate below exists.
  let gateRef: SmtpGate | null = null;

  const pool = new WorkerPool(
    {
      count: opts.workers,
      queueBytes: config.workers.queue_mb * MIB,
      policy: 'wait', // reading files never drops: the source waits for the workers
      config: workerConfigOf(config),
      ...(opts.workerUrl === undefined ? {} : { workerUrl: opts.workerUrl }),
    },
    {
      onRecords: (records) => writer.writeAll(records),
      onDeltas: (d) => metrics.applyDeltas(d),
      onNotSmtp: (flow) => {
        gateRef?.onWorkerNotSmtp(flow);
        gateRef?.applyIgnores();
      },
      onWorkerRestart: (worker, reason) => {
        metrics.countWorkerRestart();
        log.warn({ worker, reason }, `worker ${worker} died and was restarted; its connections are incomplete`);
        if (gateRef === null) return;
        writer.writeAll(gateRef.onWorkerRestart(worker, maxTs));
        gateRef.applyIgnores();
      },
      onUnknownMessage: () => unknownMessages++,
      onFatal: (err) => {
        failure.err = err;
        source.stop();
      },
    },
  );
  const gate = new SmtpGate(
    { smtpPorts: config.capture.ports, pendingBytesPerFlow: DEFAULT_PENDING_BYTES_PER_FLOW, pendingBytesTotal: DEFAULT_PENDING_BYTES_TOTAL },
    pool,
    { anomaly: (name) => metrics.countAnomaly(name) },
  );
  gateRef = gate;
  const table = new FlowTable({ flows: config.flows, smtpPorts: config.capture.ports }, gate);
  gate.attach(table);

  const seg = newDecodedSegment();
  const verify = config.capture.verify_checksums;
  const packets: Record<SkipReason | 'tcp', number> = { tcp: 0, not_tcp: 0, truncated: 0, malformed: 0, fragment: 0, bad_checksum: 0 };
  let sinceTick = 0;
  let nextTickAt = 0;
  let backlogCounted = 0;

  const onFrame = (frame: RawFrame): void => {
    const ts = frame.tsMicros;
    if (ts > maxTs) maxTs = ts;
    const skip = decodePacket(frame, seg, verify);
    if (skip === null) {
      packets.tcp++;
      table.onSegment(seg);
      gate.applyIgnores();
    } else {
      packets[skip]++;
    }
    if (++sinceTick >= TICK_PACKETS || maxTs >= nextTickAt) {
      sinceTick = 0;
      nextTickAt = maxTs + TICK_MICROS;
      table.tick(maxTs);
      gate.applyIgnores();
    }
  };
  const publish = (): void => {
    for (const k of Object.keys(packets) as (keyof typeof packets)[]) {
      metrics.countPacket(k, packets[k]);
      packets[k] = 0;
    }
    metrics.updateFlowStats(table.stats());
    metrics.updateSourceStats(source.stats());
    for (let i = 0; i < pool.size; i++) metrics.setWorkerQueue(i, pool.queueBytes(i));
    metrics.countDropped('worker_backlog', pool.backlogDroppedBytes - backlogCounted);
    backlogCounted = pool.backlogDroppedBytes;
  };
  const pace = (): Promise<void> | undefined => {
    publish();
    return pool.waitForCapacity();
  };

  let exitCode = 0;
  let end: SourceEnd | null = null;
  try {
    try {
      end = await source.run(onFrame, pace);
    } catch (err) {
      if (!(err instanceof CaptureFileError)) throw err;
      log.error({ file: err.file, offset: err.offset }, err.message);
      exitCode = 3;
    }
    // Every session still open ends as `eof`, also after a corrupt file (SPEC §2 exit 3).
    table.closeAll('eof', maxTs > 0 ? maxTs : undefined);
    gate.applyIgnores();
    await pool.drain();
  } finally {
    await pool.shutdown();
    publish();
    await writer.close();
  }
  if (end !== null && end.kind === 'truncated') {
    log.warn({ file: end.file, offset: end.offset }, `${end.file}: truncated capture, last record cut at byte offset ${end.offset}`);
  }
  if (unknownMessages > 0 || metrics.rejectedDeltas > 0) log.warn({ unknownMessages, rejectedDeltas: metrics.rejectedDeltas }, 'dropped malformed worker messages');
  log.info({ events: writer.written, gate: gate.stats, workers: pool.size, restarts: pool.restarts }, 'read finished');
  metrics.stop();
  opts.onMetrics?.(metrics);
  if (failure.err !== null) throw new WorkerCrashedError(failure.err.message, { cause: failure.err });
  if (writer.error !== null && writer.error.code !== 'EPIPE') throw new Error(`writing events to ${opts.events} failed: ${writer.error.message}`, { cause: writer.error });
  return exitCode;
}
