// `mailtap read` (SPEC §2): every packet of the capture files through the shared Pipeline
// (decode → FlowTable → SmtpGate → worker pool → EventsWriter); at end of input every open
// connection is closed as `eof`, the workers drained and the writer flushed before the exit code
// is returned. Owns the file source of one run; the workers pace it (files never drop).
import { openFileSource } from '../capture/file-source.js';
import { openOfflineFilter } from '../capture/offline-filter.js';
import type { SourceEnd } from '../capture/types.js';
import type { Config } from '../config/types.js';
import { CaptureFileError, WorkerCrashedError } from '../shared/errors.js';
import { buildInfo } from './build-info.js';
import { Metrics } from '../output/metrics.js';
import type { OpLogger } from '../output/oplog.js';
import { Pipeline, checkEventsPath } from './pipeline.js';

export { workerConfigOf } from './pipeline.js';

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

/** Runs `mailtap read`; resolves to 0, or 3 for a corrupt capture (after flushing every session). */
export async function runRead(opts: ReadOptions): Promise<number> {
  const { config, log } = opts;
  checkEventsPath(opts.events, config.output.file_mode);
  // `--filter`, MAILTAP_CAPTURE_FILTER or capture.filter: only matching packets are read, as with
  // `tcpdump -r FILE EXPR`; a filter that does not compile stops here, before any worker starts.
  const filter = openOfflineFilter(config.capture.filter, (msg) => log.warn(msg));
  const metrics = new Metrics({ lossWindowS: config.metrics.loss_window_s });
  metrics.setBuildInfo({ ...buildInfo(), backend: 'file' });
  metrics.startEventLoopMonitor();
  const source = openFileSource(opts.files, { onWarning: (msg) => log.warn(msg) });
  const p = new Pipeline({
    config,
    events: opts.events,
    workers: opts.workers,
    policy: 'wait', // reading files never drops: the source waits for the workers
    log,
    metrics,
    ...(opts.workerUrl === undefined ? {} : { workerUrl: opts.workerUrl }),
    // Nothing more can be written (a closed pipe, `mailtap read x | head`, is no error) or parsed.
    onHalt: () => source.stop(),
  });
  const pace = (): Promise<void> | undefined => {
    p.publish(source.stats());
    return p.pool.waitForCapacity();
  };

  let exitCode = 0;
  let end: SourceEnd | null = null;
  try {
    try {
      end = await source.run(filter === null ? p.onFrame : filter.wrap(p.onFrame), pace);
    } catch (err) {
      if (!(err instanceof CaptureFileError)) throw err;
      log.error({ file: err.file, offset: err.offset }, err.message);
      exitCode = 3;
    }
    // Every session still open ends as `eof`, also after a corrupt file (SPEC §2 exit 3).
    p.closeAll('eof');
    await p.pool.drain();
  } finally {
    await p.pool.shutdown();
    p.publish(source.stats());
    await p.writer.close();
  }
  if (end !== null && end.kind === 'truncated') {
    log.warn({ file: end.file, offset: end.offset }, `${end.file}: truncated capture, last record cut at byte offset ${end.offset}`);
  }
  if (p.unknownMessages > 0 || metrics.rejectedDeltas > 0) log.warn({ unknownMessages: p.unknownMessages, rejectedDeltas: metrics.rejectedDeltas }, 'dropped malformed worker messages');
  const filtered = filter === null ? {} : { filter: { expression: filter.expression, ...filter.stats } };
  log.info({ events: p.writer.written, gate: p.gate.stats, workers: p.pool.size, restarts: p.pool.restarts, ...filtered }, 'read finished');
  metrics.stop();
  opts.onMetrics?.(metrics);
  if (p.failure !== null) throw new WorkerCrashedError(p.failure.message, { cause: p.failure });
  const werr = p.writer.error;
  if (werr !== null && werr.code !== 'EPIPE') throw new Error(`writing events to ${opts.events} failed: ${werr.message}`, { cause: werr });
  return exitCode;
}
