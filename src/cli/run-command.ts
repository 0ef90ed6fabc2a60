// `mailtap run` (SPEC §2): live capture through the shared Pipeline until SIGTERM/SIGINT. Opens
// the capture and the metrics endpoint as root, then drops privileges; drives FlowTable timeouts
// from the wall clock, flushes batches and events on timers, reopens the events file on SIGHUP,
// and on stop closes every open session as `shutdown` within workers.shutdown_timeout_s.
// Owns the live source, the timers, the HTTP server and the Lifecycle of one daemon run.
import { buildCaptureFilter } from '../capture/filter.js';
import type { LiveSourceConfig } from '../capture/live-source.js';
import { openCapture } from '../capture/open-capture.js';
import type { CaptureOpeners, OpenedCapture } from '../capture/open-capture.js';
import type { PacketSource } from '../capture/types.js';
import type { Config } from '../config/types.js';
import { CaptureError, ConfigError, WorkerCrashedError } from '../shared/errors.js';
import { startMetricsServer } from '../output/http.js';
import type { MetricsServer } from '../output/http.js';
import { buildInfo } from './build-info.js';
import { Metrics } from '../output/metrics.js';
import type { OpLogger } from '../output/oplog.js';
import { Lifecycle, runStopSteps, within } from './lifecycle.js';
import type { SignalTarget, StopReason, StopStep } from './lifecycle.js';
import { Pipeline, checkEventsPath } from './pipeline.js';
import { dropPrivileges } from './privileges.js';

export interface RunOptions {
  config: Config;
  /** Events path (`-` = standard output). */
  events: string;
  /** Worker threads (already resolved from workers.count). */
  workers: number;
  log: OpLogger;
  /** Worker entry override (tests). */
  workerUrl?: URL;
  /** Where SIGTERM/SIGINT/SIGHUP come from (process; an emitter in tests). */
  signals?: SignalTarget;
  /** Capture opener replacing the backend choice altogether (a replaying fake in tests). */
  openSource?: (cfg: LiveSourceConfig) => PacketSource;
  /** The backend openers openCapture uses (tests: an addon that cannot load). */
  openers?: CaptureOpeners;
  /** Called once the daemon is up (tests learn the metrics port here). */
  onStarted?: (info: { metrics: MetricsServer | null }) => void;
}

/** Batches go to the workers and events to the file at least this often (live latency bound). */
const FLUSH_INTERVAL_MS = 200;
/** Wall-clock FlowTable.tick and metric publication: idle timeouts fire without traffic. */
const TICK_INTERVAL_MS = 1000;
/** After the stop deadline, the process exits even if a step still hangs (a stuck worker). */
const WATCHDOG_GRACE_MS = 5000;
/** Of the stop deadline, kept for flushing events and closing HTTP after the workers' share. */
const FINAL_RESERVE_MS = 2000;
/** Exit code of a stop that outlived its deadline plus grace (EX_SOFTWARE, as main's bugs). */
const EXIT_STUCK = 70;

function liveConfigOf(config: Config): LiveSourceConfig {
  const c = config.capture;
  return { interface: c.interface, filter: buildCaptureFilter(c), snaplen: c.snaplen, buffer_mb: c.buffer_mb, promiscuous: c.promiscuous };
}

/** The PACKET_FANOUT group to join: only with more than one process in it (SPEC §6 capture.fanout). */
function fanoutOf(config: Config): { fanoutGroup?: number } {
  const f = config.capture.fanout;
  return f.count > 1 ? { fanoutGroup: f.group } : {};
}

async function startHttp(config: Config, metrics: Metrics, ready: () => string | null, log: OpLogger): Promise<MetricsServer | null> {
  if (!config.metrics.enabled) return null;
  try {
    return await startMetricsServer({
      listen: config.metrics.listen,
      registry: metrics.registry,
      ready,
      onError: (err) => log.error({ err }, 'rendering /metrics failed'),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`cannot listen on ${config.metrics.listen} for /metrics: ${why}`, [`metrics.listen: ${why}`]);
  }
}

/** Runs the daemon; resolves with the exit code once stopped (0 after SIGTERM/SIGINT). */
export async function runDaemon(opts: RunOptions): Promise<number> {
  const { config, log } = opts;
  checkEventsPath(opts.events, config.output.file_mode);
  const live = liveConfigOf(config);
  // Throws CaptureError (exit 2) naming the interface and the missing privilege or library.
  const opened: OpenedCapture =
    opts.openSource === undefined
      ? openCapture({ backend: config.capture.backend, live, ...fanoutOf(config) }, opts.openers)
      : { source: opts.openSource(live), backend: config.capture.backend, fallbackWarning: null };
  // Once, at start: what the figures mean when the native addon could not load (SPEC §6).
  if (opened.fallbackWarning !== null) log.warn({ backend: opened.backend }, opened.fallbackWarning);
  const source = opened.source;
  let captureOpen = true;
  const lifecycle = new Lifecycle();
  const metrics = new Metrics({ lossWindowS: config.metrics.loss_window_s });
  metrics.setBuildInfo({ ...buildInfo(), backend: opened.backend });
  let pipeline: Pipeline | null = null;
  const ready = (): string | null => {
    if (lifecycle.stopReason !== null) return `stopping (${lifecycle.stopReason})`;
    if (!captureOpen) return 'capture not open';
    if (pipeline === null) return 'starting';
    if (pipeline.failure !== null) return `workers failed: ${pipeline.failure.message}`;
    return null;
  };
  let server: MetricsServer | null = null;
  try {
    server = await startHttp(config, metrics, ready, log);
    const who = dropPrivileges(config.privileges, opts.events === '-' ? [] : [opts.events]);
    if (who.kind !== 'unchanged') log.info({ user: who.user, uid: who.uid, gid: who.gid }, `running as ${who.user}`);
  } catch (err) {
    source.stop();
    await server?.close();
    throw err;
  }
  metrics.startEventLoopMonitor();
  const deadlineMs = config.workers.shutdown_timeout_s * 1000;
  const p = new Pipeline({
    config,
    events: opts.events,
    workers: opts.workers,
    policy: 'drop', // a sniffer cannot push back on the network (STYLE §2 decision 1)
    log,
    metrics,
    ...(opts.workerUrl === undefined ? {} : { workerUrl: opts.workerUrl }),
    // Workers get a share of the deadline to say goodbye; the rest is for draining and writing.
    shutdownTimeoutMs: Math.max(1000, Math.floor(deadlineMs / 4)),
    onHalt: (why) => lifecycle.requestStop(why === 'writer' ? 'writer_failed' : 'pool_failed'),
  });
  pipeline = p;
  lifecycle.install(
    opts.signals ?? process,
    () => {
      p.writer.reopen();
      log.info({ events: opts.events }, 'SIGHUP: events file reopened');
    },
    (sig, first) => {
      if (!first) log.warn(`${sig} again: already stopping (deadline ${config.workers.shutdown_timeout_s} s)`);
    },
  );

  let captureFailure: unknown = null;
  const captureDone = source.run(p.onFrame).then(
    () => lifecycle.requestStop('capture_ended'),
    (err: unknown) => {
      captureFailure = err;
      lifecycle.requestStop('capture_ended');
    },
  );
  let flushedAt = 0;
  const flushTimer = setInterval(() => {
    p.pool.flush();
    if (p.writer.written !== flushedAt) {
      flushedAt = p.writer.written;
      p.writer.flush();
    }
  }, FLUSH_INTERVAL_MS);
  const tickTimer = setInterval(() => {
    p.tick(Date.now() * 1000);
    p.publish(source.stats());
  }, TICK_INTERVAL_MS);
  // The first publication creates the measured series (a native kernel-drop count of 0 included).
  p.publish(source.stats());
  log.info(
    { interface: live.interface, backend: opened.backend, filter: live.filter, ...(config.capture.fanout.count > 1 ? { fanout: config.capture.fanout } : {}), workers: p.pool.size, events: opts.events, metrics: server === null ? null : `${server.host}:${server.port}` },
    `capturing on ${live.interface}`,
  );
  opts.onStarted?.({ metrics: server });

  const reason = await lifecycle.stopped;
  log.info({ reason }, 'stopping: capture first, then sessions flushed as shutdown, workers drained');
  const watchdog = setTimeout(() => {
    log.fatal({ deadlineMs }, 'shutdown outlived its deadline; exiting');
    process.exit(EXIT_STUCK);
  }, deadlineMs + WATCHDOG_GRACE_MS);
  watchdog.unref();
  const reserveMs = Math.min(FINAL_RESERVE_MS, Math.floor(deadlineMs / 4));
  const steps: StopStep[] = [
    {
      name: 'capture',
      run: () => {
        source.stop();
        captureOpen = false;
        clearInterval(tickTimer);
        clearInterval(flushTimer);
        return captureDone;
      },
    },
    { name: 'sessions', run: () => p.closeAll('shutdown') },
    // A stuck worker must not eat the time the writer needs to flush what is already there.
    { name: 'drain', run: (left) => bounded(p.pool.drain(), left - reserveMs, 'workers not drained in time') },
    { name: 'workers', run: (left) => bounded(p.pool.shutdown(), left - reserveMs, 'workers did not stop in time') },
    { name: 'events', run: () => { p.publish(source.stats()); return p.writer.close(); } },
    { name: 'http', run: () => server?.close() },
  ];
  const reports = await runStopSteps(steps, deadlineMs);
  clearTimeout(watchdog);
  lifecycle.uninstall();
  metrics.stop();
  const late = reports.filter((r) => r.outcome !== 'done');
  if (late.length > 0) log.warn({ steps: reports }, `shutdown steps not finished in time or failed: ${late.map((r) => r.name).join(', ')}`);
  log.info({ reason, events: p.writer.written, gate: p.gate.stats, restarts: p.pool.restarts, steps: reports }, 'stopped');
  return exitCodeOf(reason, captureFailure, p, opts.events);
}

async function bounded(work: Promise<unknown>, ms: number, late: string): Promise<void> {
  if ((await within(work, ms)) === 'timeout') throw new Error(late);
}

function exitCodeOf(reason: StopReason, captureFailure: unknown, p: Pipeline, events: string): number {
  switch (reason) {
    case 'SIGTERM':
    case 'SIGINT':
      return 0;
    case 'capture_ended':
      if (captureFailure instanceof Error) throw captureFailure;
      throw new CaptureError('the live capture ended by itself (interface gone?)');
    case 'pool_failed': {
      const f = p.failure ?? new Error('worker pool failed');
      throw new WorkerCrashedError(f.message, { cause: f });
    }
    case 'writer_failed': {
      const e = p.writer.error;
      if (e === null || e.code === 'EPIPE') return 0; // the reader of standard output went away
      throw new Error(`writing events to ${events} failed: ${e.message}`, { cause: e });
    }
  }
}
