// `mailtap read` (SPEC §2): every packet of the capture files through the shared Pipeline
// (decode → FlowTable → SmtpGate → worker pool → EventsWriter); at end of input every open
// connection is closed as `eof`, the workers drained and the writer flushed before the exit code
// is returned. Owns the file source of one run; the workers pace it (files never drop). Stops
// early, still flushing, on SIGINT/SIGTERM (sessions `shutdown`, exit 130/143) or when events
// cannot be written (exit 4, naming the output; 0 for a reader that went away: EPIPE).
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
import { unsupportedLinkMessage } from './packet-decoder.js';
import { onStopSignals, signalExitCode, type StopSignal } from './stop-signals.js';

export { workerConfigOf } from './pipeline.js';

/** Events could not be written (SPEC §2: non-zero); distinct from 1-3. */
export const EXIT_OUTPUT = 4;

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

/** Why reading ended before the input did; the first request wins. */
type StopReason = { kind: 'signal'; signal: StopSignal } | { kind: 'writer' } | { kind: 'pool' };

/**
 * The first stop request, as a promise the read loop races: a source blocked on a pipe that stays
 * open (`tcpdump -w - | mailtap read -`) cannot be interrupted, so `read` stops waiting for it.
 */
class StopRequest {
  reason: StopReason | null = null;
  readonly stopped: Promise<SourceEnd>;
  private resolve: (end: SourceEnd) => void = () => undefined;

  constructor() {
    this.stopped = new Promise<SourceEnd>((r) => (this.resolve = r));
  }

  request(reason: StopReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.resolve({ kind: 'stopped' });
  }
}

/**
 * Runs `mailtap read`; resolves to 0, 3 for a corrupt capture (after flushing every session),
 * 130/143 after a signal, EXIT_OUTPUT when events could not be written.
 */
export async function runRead(opts: ReadOptions): Promise<number> {
  const { config, log } = opts;
  checkEventsPath(opts.events, config.output.file_mode);
  // `--filter`, MAILTAP_CAPTURE_FILTER or capture.filter: only matching packets are read, as with
  // `tcpdump -r FILE EXPR`; a filter that does not compile stops here, before any worker starts.
  const filter = openOfflineFilter(config.capture.filter, (msg) => log.warn(msg));
  const metrics = new Metrics({ lossWindowS: config.metrics.loss_window_s });
  metrics.setBuildInfo({ ...buildInfo(), backend: 'file' });
  metrics.startEventLoopMonitor();
  let file = '';
  const source = openFileSource(opts.files, { onWarning: (msg) => log.warn(msg), onFile: (name) => newFile(name) });
  const stop = new StopRequest();
  const halt = (reason: StopReason): void => {
    stop.request(reason);
    source.stop();
  };
  const p = new Pipeline({
    config,
    events: opts.events,
    workers: opts.workers,
    policy: 'wait', // reading files never drops: the source waits for the workers
    log,
    metrics,
    ...(opts.workerUrl === undefined ? {} : { workerUrl: opts.workerUrl }),
    // Nothing more can be written (also a closed pipe, `mailtap read x | head`) or parsed.
    onHalt: (why) => halt({ kind: why }),
    fileFailure: 'halt',
  });
  const now = opts.now ?? Date.now;
  const started = now();
  const progress = new ReadProgress(opts.progress ?? process.stderr, totalSize(opts.files), now);
  const sample = (): ProgressSample => {
    const st = source.stats();
    return { bytes: st.bytes, packets: st.frames, sessions: metrics.tally.events['smtp_session'] ?? 0 };
  };
  const newFile = (name: string): void => {
    file = name;
    p.decoder.newFile();
  };
  p.decoder.onUnsupportedLink = (linkType) => log.warn({ file, linkType }, unsupportedLinkMessage(file, linkType));
  const pace = (): Promise<void> | undefined => {
    p.publish(source.stats());
    progress.update(sample());
    // Waits for the workers' queues and for a slow reader of standard output (`mailtap read x | slow`):
    // without it the unwritten events piled up in memory.
    const workers = p.pool.waitForCapacity();
    const out = p.writer.waitForDrain();
    if (out === undefined) return workers;
    return workers === undefined ? out : Promise.all([workers, out]).then(() => undefined);
  };
  const removeSignals = onStopSignals((signal) => {
    log.warn({ signal }, `${signal}: stopping; open sessions are flushed as shutdown`);
    halt({ kind: 'signal', signal });
  });

  let exitCode = 0;
  let end: SourceEnd | null = null;
  try {
    try {
      end = await Promise.race([source.run(filter === null ? p.onFrame : filter.wrap(p.onFrame), pace), stop.stopped]);
    } catch (err) {
      if (!(err instanceof CaptureFileError)) throw err;
      log.error({ file: err.file, offset: err.offset }, err.message);
      exitCode = 3;
    }
    // Every session still open ends: `eof`, also after a corrupt file (SPEC §2 exit 3), or `shutdown` on a signal.
    p.closeAll(stop.reason?.kind === 'signal' ? 'shutdown' : 'eof');
    await p.pool.drain();
  } finally {
    progress.finish();
    await p.pool.shutdown();
    p.publish(source.stats());
    await p.writer.close();
    removeSignals();
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
  const output = outputFailure(p, opts.events);
  if (output !== null) {
    if (output.code !== 0) log.error({ events: opts.events, dropped: p.writer.dropped }, output.message);
    return output.code;
  }
  if (stop.reason?.kind === 'signal') return signalExitCode(stop.reason.signal);
  return exitCode;
}

/**
 * Events that could not be written make `read` fail (SPEC §2), with one line naming the output.
 * A standard output whose reader went away (EPIPE: `mailtap read x | head`) is what the user
 * asked for: exit 0.
 */
function outputFailure(p: Pipeline, events: string): { code: number; message: string } | null {
  const werr = p.writer.error;
  if (werr !== null) {
    if (werr.code === 'EPIPE') return { code: 0, message: '' };
    return { code: EXIT_OUTPUT, message: `cannot write events to standard output: ${werr.message}` };
  }
  const ferr = p.fileError;
  if (ferr !== null || p.writer.dropped > 0) {
    const why = ferr?.message ?? 'write failed';
    return { code: EXIT_OUTPUT, message: `cannot write events to ${events}: ${why}; ${p.writer.dropped} events lost` };
  }
  return null;
}
