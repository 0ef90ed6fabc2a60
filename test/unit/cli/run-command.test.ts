// runDaemon (src/cli/run-command.ts) with real workers, writer and HTTP server, fed by a source that
// replays seed captures re-timed to the wall clock as live capture stamps them (the real libpcap
// path runs in test/integration/run-e2e.test.ts). Signals come from an emitter.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileSource } from '../../../src/capture/file-source.js';
import { buildCaptureFilter } from '../../../src/capture/filter.js';
import type { LiveSourceConfig } from '../../../src/capture/live-source.js';
import type { FrameHandler, PacketSource, SourceEnd, SourceStats } from '../../../src/capture/types.js';
import { runDaemon } from '../../../src/cli/run-command.js';
import type { RunOptions } from '../../../src/cli/run-command.js';
import { defaultConfig } from '../../../src/config/schema.js';
import type { ConfigShape } from '../../../src/config/schema.js';
import { routeFlow } from '../../../src/dispatch/router.js';
import type { MetricsServer } from '../../../src/output/http.js';
import { ConfigError } from '../../../src/shared/errors.js';
import { fixture } from '../../helpers/paths.js';
import { runCli } from '../../helpers/run-cli.js';
import { logSink } from '../../helpers/log-sink.js';

const SESSION = fixture('seed', 'session.pcap');
const MESSAGE = fixture('seed', 'message.pcap');
/** session.pcap frames up to `250 Message sent`: the transaction is over, the connection open. */
const SESSION_OPEN_FRAMES = 21;
/** message.pcap frames up to `221 bye`, before the FINs. */
const MESSAGE_OPEN_FRAMES = 21;
// Generous: at load ~40 on the shared 2-core machine a worker restart took longer than 15 s.
const WAIT_MS = 45_000;
const dir = mkdtempSync(join(tmpdir(), 'mailtap-run-'));

type Json = Record<string, unknown>;

class ReplaySource implements PacketSource {
  readonly description = 'replay';
  private onFrame: FrameHandler | null = null;
  private finish: ((e: SourceEnd) => void) | null = null;
  stopped = false;
  /** What stats() reports as kernel drops: null as cap does (unmeasured). */
  kernelDrops: number | null = 3;
  private frames = 0;
  private bytes = 0;

  run(onFrame: FrameHandler): Promise<SourceEnd> {
    this.onFrame = onFrame;
    return new Promise((resolve) => (this.finish = resolve));
  }

  /** Frames [from, to) of `file`, re-timed to start now. */
  async replay(file: string, from = 0, to = Infinity): Promise<void> {
    const src = openFileSource([file], { onWarning: () => undefined });
    const wall = Date.now() * 1000;
    let i = 0;
    let base = -1;
    await src.run((f) => {
      if (i >= from && i < to && this.onFrame !== null) {
        if (base < 0) base = f.tsMicros;
        f.tsMicros = wall + (f.tsMicros - base);
        this.frames++;
        this.bytes += f.caplen;
        this.onFrame(f);
      }
      i++;
    });
  }

  stop(): void {
    this.stopped = true;
    this.onFrame = null;
    this.finish?.({ kind: 'stopped' });
    this.finish = null;
  }

  stats(): SourceStats {
    return { frames: this.frames, bytes: this.bytes, dropsKernel: this.kernelDrops, dropsInterface: 1 };
  }
}

function config(edit: (c: ConfigShape) => void = () => undefined): ConfigShape {
  const c = defaultConfig();
  c.capture.interface = 'lo';
  c.metrics.listen = '127.0.0.1:0';
  c.workers.shutdown_timeout_s = 10;
  edit(c);
  return c;
}

function events(path: string): Json[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'only whole lines');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Json);
}

async function until<T>(what: string, fn: () => T | null | Promise<T | null>): Promise<T> {
  const end = Date.now() + WAIT_MS;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== null) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

interface Daemon {
  done: Promise<number>;
  source: ReplaySource;
  signals: EventEmitter;
  metrics: MetricsServer | null;
  seen: LiveSourceConfig[];
  lines: Json[];
}

// A test that fails midway must not leave its daemon (workers, HTTP server) running: the test
// process would never end. Every daemon still running after a test is stopped here.
const running = new Set<Daemon>();
afterEach(async () => {
  for (const d of running) {
    d.signals.emit('SIGTERM');
    await d.done.catch(() => 1);
  }
  running.clear();
});

async function start(c: ConfigShape, events: string, extra: Partial<RunOptions> = {}): Promise<Daemon> {
  const source = new ReplaySource();
  const signals = new EventEmitter();
  const seen: LiveSourceConfig[] = [];
  const { log, lines } = logSink();
  let started!: (m: MetricsServer | null) => void;
  const up = new Promise<MetricsServer | null>((r) => (started = r));
  const done = runDaemon({
    config: c,
    events,
    workers: c.workers.count,
    log,
    signals,
    openSource: (cfg) => {
      seen.push(cfg);
      return source;
    },
    onStarted: (info) => started(info.metrics),
    ...extra,
  });
  const metrics = await Promise.race([up, done.then((code) => Promise.reject(new Error(`daemon ended early (${code})`)))]);
  const d: Daemon = { done, source, signals, metrics, seen, lines };
  running.add(d);
  done.then(() => running.delete(d), () => running.delete(d));
  return d;
}

async function get(m: MetricsServer | null, path: string): Promise<{ status: number; body: string }> {
  assert.ok(m !== null);
  const r = await fetch(`http://127.0.0.1:${m.port}${path}`);
  return { status: r.status, body: await r.text() };
}

function metricValue(text: string, series: string): number | null {
  for (const line of text.split('\n')) if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return null;
}

test('run: events, metrics, readiness, SIGHUP rotation, SIGTERM flushes the open session as shutdown', { timeout: 60_000 }, async () => {
  const c = config((x) => (x.workers.count = 1));
  const ev = join(dir, 'rotate.ndjson');
  const d = await start(c, ev);
  assert.deepEqual(d.seen, [{ interface: 'lo', filter: buildCaptureFilter(c.capture), snaplen: 65535, buffer_mb: 64, promiscuous: true }]);
  assert.equal((await get(d.metrics, '/readyz')).status, 200);
  assert.equal((await get(d.metrics, '/healthz')).status, 200);

  await d.source.replay(SESSION, 0, SESSION_OPEN_FRAMES);
  const first = await until('the first transaction', () => {
    const t = events(ev).filter((e) => e['event'] === 'smtp_transaction');
    return t.length === 1 ? t[0]! : null;
  });
  assert.equal(first['mail_from'], 'bripengandre@163.com');
  assert.equal(first['status'], 'accepted');
  // Metrics are published on the 1 s wall-clock tick.
  const text = await until('published packet counters', async () => {
    const t = (await get(d.metrics, '/metrics')).body;
    return metricValue(t, 'mailtap_packets_total{result="tcp"}') === SESSION_OPEN_FRAMES ? t : null;
  });
  assert.equal(metricValue(text, 'mailtap_smtp_transactions_total{status="accepted"}'), 1);
  assert.equal(metricValue(text, 'mailtap_capture_drops_total{where="kernel"}'), 3);
  assert.equal(metricValue(text, 'mailtap_capture_drops_total{where="interface"}'), 1);
  assert.equal(metricValue(text, 'mailtap_flows_active'), 1);
  assert.equal(metricValue(text, 'mailtap_events_total{event="smtp_transaction"}'), 1);
  assert.notEqual(metricValue(text, 'mailtap_worker_queue_bytes{worker="0"}'), null);
  assert.notEqual(metricValue(text, 'mailtap_event_loop_lag_seconds'), null);
  assert.notEqual(metricValue(text, 'mailtap_capture_loss_ratio'), null);
  assert.match(text, /^process_cpu_seconds_total /m, "prom-client's default metrics");

  // logrotate: rename, then SIGHUP; what follows lands in a new file at the same path.
  renameSync(ev, `${ev}.1`);
  d.signals.emit('SIGHUP');
  await d.source.replay(MESSAGE);
  const second = await until('the message.pcap session in the new file', () => {
    const e = events(ev);
    return e.some((x) => x['event'] === 'smtp_session') ? e : null;
  });
  assert.deepEqual(events(`${ev}.1`), [first], 'the rotated file keeps exactly the event written before');
  const tx = second.filter((e) => e['event'] === 'smtp_transaction');
  assert.deepEqual(tx.map((t) => t['mail_from']), ['gaoxl@legendsec.com']);
  assert.equal(second.find((e) => e['event'] === 'smtp_session')!['close'], 'fin');
  assert.ok(d.lines.some((l) => l['msg'] === 'SIGHUP: events file reopened'));

  d.signals.emit('SIGTERM');
  assert.equal(await d.done, 0);
  const all = events(ev);
  const shut = all.filter((e) => e['event'] === 'smtp_session' && e['close'] === 'shutdown');
  assert.equal(shut.length, 1);
  assert.equal(shut[0]!['uid'], first['uid'], 'the session left open is the one flushed as shutdown');
  assert.equal(d.source.stopped, true);
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) assert.equal(d.signals.listenerCount(s), 0);
  const stopped = d.lines.find((l) => l['msg'] === 'stopped');
  assert.ok(stopped !== undefined);
  assert.deepEqual((stopped['steps'] as Json[]).map((s) => [s['name'], s['outcome']]), [
    ['capture', 'done'], ['sessions', 'done'], ['drain', 'done'], ['workers', 'done'], ['events', 'done'], ['http', 'done'],
  ]);
  await assert.rejects(fetch(`http://127.0.0.1:${d.metrics!.port}/healthz`), 'the HTTP server is closed');
});

test('run: the wall-clock tick closes an idle connection without any further packet', { timeout: 60_000 }, async () => {
  const c = config((x) => {
    x.workers.count = 1;
    x.flows.idle_timeout_s = 1;
    x.metrics.enabled = false;
  });
  const ev = join(dir, 'idle.ndjson');
  const d = await start(c, ev);
  assert.equal(d.metrics, null, 'metrics.enabled false: no server');
  await d.source.replay(SESSION, 0, SESSION_OPEN_FRAMES);
  const s = await until('the idle close', () => events(ev).find((e) => e['event'] === 'smtp_session') ?? null);
  assert.equal(s['close'], 'idle');
  d.signals.emit('SIGINT');
  assert.equal(await d.done, 0);
});

test('run: a worker that dies is restarted, its connection reported, the other worker untouched', { timeout: 60_000 }, async () => {
  // FlowIds start at 1 in capture order: pick a worker count that puts flows 1 and 2 apart.
  let n = 2;
  while (routeFlow(1, n) === routeFlow(2, n)) n++;
  const c = config((x) => (x.workers.count = n));
  const ev = join(dir, 'crash.ndjson');
  process.env['MAILTAP_TEST_CRASH_ON'] = 'legendsec';
  process.env['MAILTAP_TEST_CRASH_MARKER'] = join(dir, 'crash.marker');
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  try {
    const d = await start(c, ev, { workerUrl: new URL(`./run-crash-worker.${ext}`, import.meta.url) });
    await d.source.replay(SESSION, 0, SESSION_OPEN_FRAMES);
    const kept = await until('flow 1 transaction', () => events(ev).find((e) => e['event'] === 'smtp_transaction') ?? null);
    // Without its FINs: the gate reports only connections still open when their worker dies.
    await d.source.replay(MESSAGE, 0, MESSAGE_OPEN_FRAMES);
    const lost = await until('the restart anomaly', () => events(ev).find((e) => e['event'] === 'anomaly' && e['name'] === 'flow_worker_restarted') ?? null);
    assert.notEqual(lost['uid'], kept['uid']);
    assert.equal(lost['src_port'], 2009, 'the message.pcap connection was on the dead worker');
    assert.ok(existsSync(join(dir, 'crash.marker')));
    const text = await until('the restart counted', async () => {
      const t = (await get(d.metrics, '/metrics')).body;
      return metricValue(t, 'mailtap_worker_restarts_total') === 1 ? t : null;
    });
    assert.equal(metricValue(text, 'mailtap_anomalies_total{name="flow_worker_restarted"}'), 1);
    assert.equal((await get(d.metrics, '/readyz')).status, 200, 'ready again: every worker alive');
    d.signals.emit('SIGTERM');
    assert.equal(await d.done, 0);
    const all = events(ev);
    const sessions = all.filter((e) => e['event'] === 'smtp_session');
    assert.deepEqual(sessions.map((s) => [s['uid'], s['close']]), [[kept['uid'], 'shutdown']], 'the other worker kept its session');
    assert.ok(!all.some((e) => e['uid'] === lost['uid'] && e['event'] !== 'anomaly'), 'nothing else about the lost connection');
  } finally {
    delete process.env['MAILTAP_TEST_CRASH_ON'];
    delete process.env['MAILTAP_TEST_CRASH_MARKER'];
  }
});

test('run: a stuck worker does not hold the stop past workers.shutdown_timeout_s; the writer still closes', { timeout: 60_000 }, async () => {
  const c = config((x) => {
    x.workers.count = 1;
    x.workers.shutdown_timeout_s = 1;
  });
  const ev = join(dir, 'hang.ndjson');
  process.env['MAILTAP_TEST_HANG_ON'] = 'legendsec';
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  try {
    const d = await start(c, ev, { workerUrl: new URL(`./run-crash-worker.${ext}`, import.meta.url) });
    await d.source.replay(SESSION, 0, SESSION_OPEN_FRAMES);
    await until('the first transaction', () => events(ev).find((e) => e['event'] === 'smtp_transaction') ?? null);
    await d.source.replay(MESSAGE);
    await new Promise((r) => setTimeout(r, 400)); // the flush timer hands the batch to the worker
    const t0 = Date.now();
    d.signals.emit('SIGTERM');
    assert.equal(await d.done, 0);
    const took = Date.now() - t0;
    assert.ok(took >= 700 && took < 4000, `stopped within the 1 s deadline (plus closing, before the watchdog): ${took} ms`);
    const stopped = d.lines.find((l) => l['msg'] === 'stopped');
    assert.ok(stopped !== undefined);
    const outcome = Object.fromEntries((stopped['steps'] as Json[]).map((s) => [s['name'], s['outcome']]));
    assert.equal(outcome['drain'], 'error');
    assert.equal(outcome['events'], 'done');
    assert.ok(d.lines.some((l) => l['level'] === 40 && /not finished in time or failed: drain/.test(String(l['msg']))));
    assert.equal(events(ev).filter((e) => e['event'] === 'smtp_transaction').length, 1, 'what was written before stays');
  } finally {
    delete process.env['MAILTAP_TEST_HANG_ON'];
  }
});

test('run: privileges that cannot be taken stop the capture and fail with a configuration error', async () => {
  const c = config((x) => {
    x.workers.count = 1;
    x.privileges.user = 'mailtap-no-such-user';
  });
  const source = new ReplaySource();
  const { log } = logSink();
  await assert.rejects(
    runDaemon({ config: c, events: join(dir, 'priv.ndjson'), workers: 1, log, signals: new EventEmitter(), openSource: () => source }),
    (err: unknown) => err instanceof ConfigError && /refusing to run as root/.test(err.message) && /^privileges\.user: /.test(err.problems[0] ?? ''),
  );
  assert.equal(source.stopped, true, 'the capture is closed again');
});

test('run: a metrics.listen already in use is a configuration error naming the key', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  try {
    const c = config((x) => (x.metrics.listen = `127.0.0.1:${port}`));
    const source = new ReplaySource();
    const { log } = logSink();
    await assert.rejects(
      runDaemon({ config: c, events: join(dir, 'busy.ndjson'), workers: 1, log, signals: new EventEmitter(), openSource: () => source }),
      (err: unknown) => err instanceof ConfigError && /^metrics\.listen: .*EADDRINUSE/.test(err.problems[0] ?? ''),
    );
    assert.equal(source.stopped, true);
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test('run: the native addon cannot load: cap is used, ONE warning says what is lost, no kernel-drop sample', { timeout: 60_000 }, async () => {
  const c = config((x) => (x.workers.count = 1));
  assert.equal(c.capture.backend, 'native', 'the default');
  const source = new ReplaySource();
  source.kernelDrops = null;
  const signals = new EventEmitter();
  const { log, lines } = logSink();
  let started!: (m: MetricsServer | null) => void;
  const up = new Promise<MetricsServer | null>((r) => (started = r));
  const done = runDaemon({
    config: c,
    events: join(dir, 'fallback.ndjson'),
    workers: 1,
    log,
    signals,
    openers: {
      loadAddon: () => {
        throw new ConfigError('the addon is not built (test)', []);
      },
      openNative: () => assert.fail('the native source must not be opened'),
      openCap: () => source,
    },
    onStarted: (info) => started(info.metrics),
  });
  const m = await Promise.race([up, done.then((code) => Promise.reject(new Error(`daemon ended early (${code})`)))]);
  // Stopped by the afterEach hook if an assertion below fails (no daemon may outlive its test).
  running.add({ done, source, signals, metrics: m, seen: [], lines });
  await source.replay(SESSION, 0, SESSION_OPEN_FRAMES);
  const text = await until('published packet counters', async () => {
    const t = (await get(m, '/metrics')).body;
    return metricValue(t, 'mailtap_packets_total{result="tcp"}') === SESSION_OPEN_FRAMES ? t : null;
  });
  assert.equal(metricValue(text, 'mailtap_capture_drops_total{where="kernel"}'), null, 'no kernel sample at all with cap');
  assert.equal(metricValue(text, 'mailtap_capture_drops_total{where="interface"}'), 1, 'the interface count is still measured');
  assert.match(text, /^mailtap_build_info\{[^}]*backend="cap"[^}]*\} 1$/m, 'build_info names the backend in use, not the one configured');
  signals.emit('SIGTERM');
  assert.equal(await done, 0);
  const warnings = lines.filter((l) => l['level'] === 40);
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(String(warnings[0]!['msg']), /not available \(the addon is not built \(test\)\); capturing with cap instead: packet timestamps become arrival times .* kernel drops are unknown/);
  assert.equal(lines.find((l) => /^capturing on/.test(String(l['msg'])))?.['backend'], 'cap');
});

test('run: a measured kernel-drop count is on /metrics from the first scrape (published at start, before any tick)', { timeout: 60_000 }, async () => {
  const c = config((x) => (x.workers.count = 1));
  const d = await start(c, join(dir, 'first-scrape.ndjson'));
  const first = (await get(d.metrics, '/metrics')).body;
  d.signals.emit('SIGTERM');
  assert.equal(await d.done, 0);
  assert.equal(metricValue(first, 'mailtap_capture_drops_total{where="kernel"}'), 3);
});

test('run: capture.fanout with count > 1 makes the native source join the group; count 1 joins none', async () => {
  const asked: unknown[] = [];
  for (const count of [2, 1]) {
    const c = config((x) => {
      x.workers.count = 1;
      x.capture.fanout = { group: 77, count };
      x.privileges.user = 'mailtap-no-such-user'; // stops the run right after the capture opened
    });
    const { log } = logSink();
    await assert.rejects(
      runDaemon({
        config: c,
        events: join(dir, 'fanout.ndjson'),
        workers: 1,
        log,
        signals: new EventEmitter(),
        openers: {
          loadAddon: () => ({}) as never,
          openNative: (cfg) => {
            asked.push(cfg.fanoutGroup);
            return new ReplaySource();
          },
          openCap: () => assert.fail('cap must not be opened'),
        },
      }),
      ConfigError,
    );
  }
  assert.deepEqual(asked, [77, undefined]);
});

test('mailtap run on an interface that does not exist: exit 2, the message names it', async () => {
  const r = await runCli(['run', '--interface', 'mtnosuch0', '--events', join(dir, 'none.ndjson'), '--workers', '1']);
  assert.equal(r.code, 2, r.stderr);
  const err = r.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Json).find((l) => l['level'] === 'error');
  assert.ok(err !== undefined, r.stderr);
  assert.match(String(err['msg']), /"mtnosuch0"/);
});
