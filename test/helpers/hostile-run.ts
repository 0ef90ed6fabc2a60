// Runs `mailtap read -` (hostile-read-entry) under /usr/bin/time -f %M on a capture generated on the
// fly: a scenario generator fills a PcapWriter and yields; the runner ships finished chunks into the
// child's stdin with back-pressure, so nothing big is held or written to disk. Collects events, the
// op log, peak RSS (KiB, all threads), wall time and the final metrics; owns nothing across runs
// except the cached baseline (the normal session read alone).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NormalSession } from './hostile-normal.js';
import { PcapWriter } from './hostile-pcap.js';
import { ndjson } from './run-cli.js';

const here = fileURLToPath(import.meta.url);
const ext = here.endsWith('.ts') ? '.ts' : '.js';
export const ENTRY = fileURLToPath(new URL(`./hostile-read-entry${ext}`, import.meta.url));
const TIME = '/usr/bin/time';

type Obj = Record<string, unknown>;

/** Writes packets into `w`, yielding now and then so the runner can ship them. */
export type Scenario = (w: PcapWriter) => Generator<void, void, void>;

/** Caps every hostile run uses unless a test says otherwise (small, so the RSS bound is tight). */
export const BASE_ENV: Readonly<Record<string, string>> = {
  MAILTAP_WORKERS_QUEUE_MB: '8',
  MAILTAP_FLOWS_MEMCAP_MB: '16',
  MAILTAP_FLOWS_PER_FLOW_HOLDBACK_KB: '1024',
};

/**
 * Memory the caps may legitimately add above the baseline: the workers' in-flight queue and the
 * global holdback, plus 160 MiB of headroom: V8 sizes its heap by allocation rate, not live data
 * (a 300,000-SYN flood peaks 130 MiB over baseline, and 85 MiB less under --max-old-space-size=48:
 * uncollected garbage), and the 4 MiB stdin chunks. Each test prints its figures.
 */
export function rssBudgetKb(env: Readonly<Record<string, string>>, workers: number): number {
  const queue = Number(env.MAILTAP_WORKERS_QUEUE_MB ?? '64') * workers;
  const memcap = Number(env.MAILTAP_FLOWS_MEMCAP_MB ?? '256');
  return (queue + memcap + 160) * 1024;
}

export interface HostileResult {
  code: number | null;
  events: Obj[];
  stderr: string;
  log: Obj[];
  maxRssKb: number;
  ms: number;
  /** Final metrics: `name{labels}` → value (text exposition parsed). */
  metrics: Map<string, number>;
  inputBytes: number;
  frames: number;
}

function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    m.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return m;
}

export function metric(r: HostileResult, key: string): number {
  return r.metrics.get(key) ?? 0;
}

export function anomalyCount(r: HostileResult, name: string): number {
  return metric(r, `mailtap_anomalies_total{name="${name}"}`);
}

const SHIP_BYTES = 4 << 20;

export interface RunOptions {
  env?: Readonly<Record<string, string>>;
  workers?: number;
  snaplen?: number;
}

export async function runHostile(scenario: Scenario, opts: RunOptions = {}): Promise<HostileResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-hostile-'));
  const rssFile = join(dir, 'rss');
  const metricsFile = join(dir, 'metrics');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MAILTAP_')) env[k] = v;
  for (const [k, v] of Object.entries({ ...BASE_ENV, ...opts.env })) env[k] = v;
  env.HOSTILE_METRICS_FILE = metricsFile;
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const args = ['-f', '%M', '-o', rssFile, process.execPath, ...execArgv, ENTRY, 'read', '--workers', String(opts.workers ?? 1), '-'];
  const t0 = Date.now();
  const child = spawn(TIME, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  let gone = false;
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      gone = true;
      resolve(code);
    });
  });
  child.stdin.on('error', () => {
    gone = true; // the child exited before reading everything: its exit code tells why
  });
  const w = new PcapWriter(opts.snaplen);
  const gen = scenario(w);
  for (;;) {
    const r = gen.next();
    if (r.done === true) w.flush();
    if (w.readyBytes >= SHIP_BYTES || r.done === true) {
      for (const b of w.take()) {
        if (gone) break;
        if (!child.stdin.write(b)) await Promise.race([once(child.stdin, 'drain'), closed]);
      }
    }
    if (r.done === true || gone) break;
  }
  child.stdin.end();
  const code = await closed;
  const ms = Date.now() - t0;
  const rssText = existsSync(rssFile) ? readFileSync(rssFile, 'utf8') : '';
  // time(1) prefixes "Command exited with non-zero status N" when the child failed.
  const rssLine = rssText.trim().split('\n').pop() ?? '';
  const metrics = existsSync(metricsFile) ? parseMetrics(readFileSync(metricsFile, 'utf8')) : new Map<string, number>();
  rmSync(dir, { recursive: true, force: true });
  const stderr = Buffer.concat(err).toString('utf8');
  const log: Obj[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      log.push(JSON.parse(line) as Obj);
    } catch {
      // a non-JSON line is judged by assertClean
    }
  }
  return { code, events: ndjson(Buffer.concat(out)), stderr, log, maxRssKb: Number(rssLine), ms, metrics, inputBytes: w.bytes, frames: w.frames };
}

export const NORMAL_A_PORT = 41000;
export const NORMAL_B_PORT = 41001;

let baseline: Promise<HostileResult> | null = null;

/** The normal session read alone (port NORMAL_A_PORT), once per test process. */
export function normalAlone(): Promise<HostileResult> {
  baseline ??= runHostile(function* (w) {
    new NormalSession(w, NORMAL_A_PORT).all();
    yield;
  });
  return baseline;
}
