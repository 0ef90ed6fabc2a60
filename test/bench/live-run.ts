// Running `mailtap run` inside a network namespace for the live benchmarks (live-bench.ts, soak.ts):
// its config, start and bounded stop, Prometheus text sums, per-thread CPU and peak RSS from /proc,
// and summaries of a --cpu-prof profile and a `perf record` of its main thread. No state.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnIn } from '../helpers/netns.js';
import type { Netns, NetnsProc } from '../helpers/netns.js';
import { MAIN } from '../helpers/run-cli.js';

export const TX_IF = 'vtx';
export const RX_IF = 'vrx';
export const METRICS_LISTEN = '127.0.0.1:9470';
export const START_MS = 30_000;
const STOP_MS = 60_000;
const CLK_TCK = 100;

/** Sum of every series of `name` in Prometheus text (labels ignored), or a label's series. */
export function promSum(text: string, name: string, label?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    if (label !== undefined && !rest.includes(label)) continue;
    const v = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Writes a mailtap config for capturing `iface` with metrics inside the namespace. */
export function writeRunConfig(dir: string, iface: string, bufferMb: number, backend: string): string {
  const cfg = join(dir, 'mailtap.yaml');
  writeFileSync(cfg, `capture:\n  interface: ${iface}\n  buffer_mb: ${bufferMb}\n  backend: ${backend}\nmetrics:\n  listen: ${METRICS_LISTEN}\nworkers:\n  shutdown_timeout_s: 30\n`);
  return cfg;
}

/** `mailtap run` inside `ns`, resolved once it logs that it captures. */
export async function startMailtap(ns: Netns, cfg: string, events: string, workers: string, nodeFlags: readonly string[], prefix: readonly string[] = []): Promise<NetnsProc> {
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const argv = [...prefix, process.execPath, ...execArgv, ...nodeFlags, MAIN, 'run', '--config', cfg, '--events', events];
  if (workers !== '') argv.push('--workers', workers);
  // In the config's (temporary) directory: files node writes to its cwd (V8 logs under
  // --perf-basic-prof, reports) go away with it.
  const p = spawnIn(ns, argv, false, dirname(cfg));
  await p.waitLine((l) => l.includes('"capturing on'), 'mailtap to capture', START_MS);
  return p;
}

/** SIGTERM, bounded; SIGKILL past the bound. Returns the exit code. */
export async function stopProc(p: NetnsProc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), STOP_MS);
  const code = await p.exit;
  clearTimeout(t);
  return code;
}

/** The pid of mailtap itself (the child is `ip netns exec`, which execs it: same pid). */
export function pidOf(p: NetnsProc): number {
  return p.child.pid ?? -1;
}

export interface Cpu {
  mainUser: number;
  mainSys: number;
  /** Seconds the main thread waited on a run queue (schedstat): CPU it wanted and did not get. */
  mainWait: number;
  all: number;
}

/** CPU seconds of the main thread (user, sys, run-queue wait) and of all threads of `pid`. */
export function threadCpu(pid: number): Cpu {
  const r: Cpu = { mainUser: 0, mainSys: 0, mainWait: 0, all: 0 };
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return r;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const u = Number(f[11]) / CLK_TCK;
      const s = Number(f[12]) / CLK_TCK;
      r.all += u + s;
      if (tid !== String(pid)) continue;
      r.mainUser = u;
      r.mainSys = s;
      r.mainWait = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[1]) / 1e9;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return r;
}

/** "main 85% (sys 30%, run-queue wait 12%), all threads 140%" over `seconds`. */
export function cpuShare(a: Cpu, b: Cpu, seconds: number): string {
  const pct = (x: number): string => `${((x / seconds) * 100).toFixed(0)}%`;
  return `${pct(b.mainUser - a.mainUser + b.mainSys - a.mainSys)} (sys ${pct(b.mainSys - a.mainSys)}, wait ${pct(b.mainWait - a.mainWait)}), all ${pct(b.all - a.all)}`;
}

/** VmHWM (peak resident set) of `pid` in MB, NaN when unreadable. */
export function peakRss(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

interface ProfNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Time (µs) of each node's subtree, from per-node self time. */
function inclusive(id: number, byId: Map<number, ProfNode>, selfUs: Map<number, number>): number {
  let t = selfUs.get(id) ?? 0;
  for (const c of byId.get(id)?.children ?? []) t += inclusive(c, byId, selfUs);
  return t;
}

/**
 * The main thread's .cpuprofile: self time by function, and how the busy time splits between
 * LiveSource.onPacket's subtree (our per-packet pipeline) and the rest; then `perf` by DSO and
 * symbol (cap's C++ and libpcap, V8/libuv inside node, the kernel's wake-ups and polls).
 */
export function reportProfile(dir: string, pid: number, perfData: string, rx: Netns): void {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')) : [];
  const main = files.find((f) => f.includes(`.${pid}.0.`)) ?? files[0];
  if (main !== undefined) {
    const prof = JSON.parse(readFileSync(join(dir, main), 'utf8')) as { nodes: ProfNode[]; samples: number[]; timeDeltas: number[] };
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const selfUs = new Map<number, number>();
    for (let i = 0; i < prof.samples.length; i++) {
      const id = prof.samples[i] ?? -1;
      selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
    }
    const byName = new Map<string, number>();
    let total = 0;
    let idle = 0;
    let onPacket = 0;
    for (const n of prof.nodes) {
      const us = selfUs.get(n.id) ?? 0;
      const url = n.callFrame.url.slice(n.callFrame.url.lastIndexOf('/') + 1);
      const k = `${n.callFrame.functionName || '(anonymous)'} ${url}${url === '' ? '' : `:${n.callFrame.lineNumber + 1}`}`;
      byName.set(k, (byName.get(k) ?? 0) + us);
      total += us;
      if (n.callFrame.functionName === '(idle)') idle += us;
      if (n.callFrame.functionName === 'onPacket' && url === 'live-source.js') onPacket += inclusive(n.id, byId, selfUs);
    }
    const busy = total - idle;
    process.stdout.write(`\nmain thread --cpu-prof (${main}): ${(total / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy; LiveSource.onPacket subtree ${((onPacket / busy) * 100).toFixed(1)}% of busy\nself time, % of busy:\n`);
    for (const [k, us] of [...byName].filter(([k]) => !k.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, 25)) {
      process.stdout.write(`  ${((us / busy) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
    }
  }
  const dso = rx.exec(['perf', 'report', '-i', perfData, '--sort', 'dso', '--stdio', '-g', 'none', '--no-children'], 120_000);
  const sym = rx.exec(['perf', 'report', '-i', perfData, '--sort', 'dso,sym', '--stdio', '-g', 'none', '--no-children'], 120_000);
  const pct = (text: string | null, n: number): string => (text ?? '').split('\n').filter((l) => /^\s+\d/.test(l)).slice(0, n).join('\n');
  process.stdout.write(`\nperf, main thread, by DSO:\n${pct(dso.stdout, 12)}\nby symbol:\n${pct(sym.stdout, 30)}\n`);
}

/** Runs `main` when the module at `url` is the script node was started with (not when imported). */
export function runIfMain(url: string, main: () => Promise<void>): void {
  if (process.argv[1] === undefined || url !== pathToFileURL(process.argv[1]).href) return;
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}

/** Runs `body`, then `cleanup`, also on SIGINT/SIGTERM (exit 130): no namespace outlives a bench. */
export async function withCleanup(cleanup: () => void, body: () => Promise<void>): Promise<void> {
  const onSignal = (): void => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await body();
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    cleanup();
  }
}
