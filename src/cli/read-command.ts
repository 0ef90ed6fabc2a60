// `mailtap read` (SPEC §2): every packet of the capture files through the shared Pipeline
// (decode → FlowTable → SmtpGate → worker pool → EventsWriter); at end of input every open
// connection is closed as `eof`, the workers drained and the writer flushed before the exit code
// is returned. Owns the file source of one run; the workers pace it (files never drop).
import { statSync } from 'node:fs';
import { openFileSource } from '../capture/file-source.js';
import { openOfflineFilter } from '../capture/offline-filter.js';
import type { SourceEnd } from '../capture/types.js';
import type { Config } from '../config/types.js';
import { CaptureFileError, WorkerCrashedError } from '../shared/errors.js';
import { buildInfo } from './build-info.js';
import { Metrics } from '../output/metrics.js';
import type { OpLogger } from '../output/oplog.js';
import { Pipeline, checkEventsPath } from './pipeline.js';
import { ReadProgress, readSummary } from './read-progress.js';
import type { ProgressOut, ProgressSample, ReadTotals } from './read-progress.js';

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
  /** Where the progress line goes (drawn only when `isTTY`); default standard error. */
  progress?: ProgressOut;
  /** Clock for progress and the summary's elapsed time (tests). */
  now?: () => number;
}

/** Sum of the files' sizes, or null when one is standard input or not a regular file. */
function totalSize(files: readonly string[]): number | null {
  let total = 0;
  for (const f of files) {
    if (f === '-') return null;
    try {
      const st = statSync(f);
      if (!st.isFile()) return null;
      total += st.size;
    } catch {
      return null; // the source reports the unreadable file
    }
  }
  return total;
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
  const now = opts.now ?? Date.now;
  const started = now();
  const progress = new ReadProgress(opts.progress ?? process.stderr, totalSize(opts.files), now);
  const sample = (): ProgressSample => {
    const st = source.stats();
    return { bytes: st.bytes, packets: st.frames, sessions: metrics.tally.events['smtp_session'] ?? 0 };
  };
  const pace = (): Promise<void> | undefined => {
    p.publish(source.stats());
    progress.update(sample());
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
    progress.finish();
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
  const t = metrics.tally;
  const totals: ReadTotals = {
    files: opts.files.length,
    packets: source.stats().frames,
    sessions: t.events['smtp_session'] ?? 0,
    transactions: t.events['smtp_transaction'] ?? 0,
    anomalies: t.anomalies,
    gaps: t.gaps,
    elapsedMs: now() - started,
  };
  log.info({ summary: totals }, readSummary(totals));
  metrics.stop();
  opts.onMetrics?.(metrics);
  if (p.failure !== null) throw new WorkerCrashedError(p.failure.message, { cause: p.failure });
  const werr = p.writer.error;
  if (werr !== null && werr.code !== 'EPIPE') throw new Error(`writing events to ${opts.events} failed: ${werr.message}`, { cause: werr });
  return exitCode;
}
