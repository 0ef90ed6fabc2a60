// Soak benchmark (issue 8): `mailtap run` captures one end of a veth pair while tcpreplay loops real
// captures (Ethernet corpus files, real-mail, a generated mid-size capture) into the other for N
// minutes; each minute samples RSS, heap, event-loop lag, handles and fds, then prints a verdict.
// Owns two namespaces and a temp dir (removed on exit). Usage: soak.js [minutes=30] [--mbps R].
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, httpGetIn, linkVeth, requireRootAndTools, setOffloads, spawnIn } from '../helpers/netns.js';
import type { Netns, NetnsProc } from '../helpers/netns.js';
import { FIXTURES, REPO_ROOT, SHARED } from '../helpers/paths.js';
import { METRICS_LISTEN, pidOf, promSum, runIfMain, RX_IF, sleep, startMailtap, stopProc, threadCpu, TX_IF, withCleanup, writeRunConfig } from './live-run.js';

/** LINKTYPE_ETHERNET: tcpreplay sends the frames as they are, so only Ethernet files replay. */
const LINKTYPE_ETHERNET = 1;
const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
/**
 * Flat: the last sample within FLAT_SHARE of the first or within the absolute slack (a point sample
 * of heap used swings by a few MB with GC timing); handles and fds within FLAT_COUNT.
 */
const FLAT_SHARE = 0.1;
const FLAT_RSS_MB = 16;
const FLAT_HEAP_MB = 8;
const FLAT_COUNT = 2;
const WARMUP_SHARE = 0.1;

interface Sample {
  minute: number;
  /** /metrics answered within its timeout (a blocked event loop does not). */
  answered: boolean;
  rssMb: number;
  heapMb: number;
  lagMs: number;
  lagMaxMs: number;
  handles: number;
  fds: number;
  flows: number;
  events: number;
  packets: number;
  droppedBytes: number;
  cpuPct: number;
}

/** Classic pcap files with Ethernet frames under `dir` (pcapng and other link types are skipped). */
function ethernetCaptures(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) ethernetCaptures(p, out);
    else if (e.name.endsWith('.pcap') && isEthernetPcap(p)) out.push(p);
  }
  return out;
}

function isEthernetPcap(path: string): boolean {
  const head = Buffer.alloc(24);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, head, 0, 24, 0) < 24) return false;
  } finally {
    closeSync(fd);
  }
  const magic = head.readUInt32LE(0);
  if (!PCAP_MAGICS.has(magic)) return false;
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  return (le ? head.readUInt32LE(20) : head.readUInt32BE(20)) === LINKTYPE_ETHERNET;
}

function sample(rx: Netns, pid: number, minute: number, cpuBefore: number, seconds: number): Sample {
  const r = httpGetIn(rx, `http://${METRICS_LISTEN}/metrics`);
  const m = r.status === 200 ? r.body : '';
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  return {
    minute,
    answered: r.status === 200,
    rssMb: rssKb / 1024,
    heapMb: promSum(m, 'nodejs_heap_size_used_bytes') / 1048576,
    // mailtap's own gauge: mean delay since the previous scrape (prom-client's
    // nodejs_eventloop_lag_seconds is one setImmediate round trip at scrape time).
    lagMs: promSum(m, 'mailtap_event_loop_lag_seconds') * 1000,
    lagMaxMs: promSum(m, 'nodejs_eventloop_lag_max_seconds') * 1000,
    handles: promSum(m, 'nodejs_active_handles_total'),
    fds: readdirSync(`/proc/${pid}/fd`).length,
    flows: promSum(m, 'mailtap_flows_active'),
    events: promSum(m, 'mailtap_events_total'),
    packets: promSum(m, 'mailtap_packets_total'),
    droppedBytes: promSum(m, 'mailtap_dropped_bytes_total'),
    cpuPct: ((threadCpu(pid).all - cpuBefore) / seconds) * 100,
  };
}

function line(s: Sample): string {
  const fds = `fds ${s.fds}  cpu ${s.cpuPct.toFixed(0)}%`;
  if (!s.answered) return `min ${String(s.minute).padStart(3)}  rss ${s.rssMb.toFixed(1)} MB  ${fds}  /metrics: NO ANSWER (event loop blocked)`;
  return `min ${String(s.minute).padStart(3)}  rss ${s.rssMb.toFixed(1)} MB  heap ${s.heapMb.toFixed(1)} MB  lag ${s.lagMs.toFixed(1)} ms (max ${s.lagMaxMs.toFixed(0)})  handles ${s.handles}  fds ${s.fds}  flows ${s.flows}  events ${s.events}  packets ${s.packets}  dropped bytes ${s.droppedBytes}  cpu ${s.cpuPct.toFixed(0)}%`;
}

function rssOnly(samples: readonly Sample[]): string[] {
  const rss = samples.map((s) => s.rssMb);
  return [`rss: first ${rss[0]?.toFixed(1)} MB, last ${rss[rss.length - 1]?.toFixed(1)} MB, max ${Math.max(...rss).toFixed(1)} MB`];
}

function verdict(samples: readonly Sample[]): string[] {
  const out: string[] = [];
  const silent = samples.filter((s) => !s.answered).length;
  if (silent > 0) out.push(`/metrics unanswered in ${silent} of ${samples.length} samples: the event loop was blocked (FAIL); heap, lag and handles below use the answered samples only`);
  // The first tenth of the run (at least one sample) is warm-up: caches, JIT, flow table filling.
  const warm = Math.max(1, Math.round(samples.length * WARMUP_SHARE));
  if (samples.length > warm) {
    out.push(`growth measured from sample ${warm + 1} (the first ${warm} are warm-up)`);
    samples = samples.slice(warm);
  }
  const all = samples;
  samples = samples.filter((s) => s.answered);
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined) return [...out, ...rssOnly(all)];
  const share = (name: string, get: (s: Sample) => number, unit: string, slack: number, over = samples): void => {
    const a = over[0] ?? first;
    const z = over[over.length - 1] ?? last;
    const max = Math.max(...over.map(get));
    const growth = (get(z) - get(a)) / get(a);
    out.push(`${name}: first ${get(a).toFixed(1)}${unit}, last ${get(z).toFixed(1)}${unit} (${(growth * 100).toFixed(1)}%), max ${max.toFixed(1)}${unit}: ${growth <= FLAT_SHARE || get(z) - get(a) <= slack ? 'flat' : 'GROWING'}`);
  };
  const count = (name: string, get: (s: Sample) => number, over = samples): void => {
    const a = over[0] ?? first;
    const z = over[over.length - 1] ?? last;
    const d = get(z) - get(a);
    out.push(`${name}: first ${get(a)}, last ${get(z)} (${d >= 0 ? '+' : ''}${d}), max ${Math.max(...over.map(get))}: ${d <= FLAT_COUNT ? 'flat' : 'GROWING'}`);
  };
  share('rss', (s) => s.rssMb, ' MB', FLAT_RSS_MB, all);
  share('heap used (main thread)', (s) => s.heapMb, ' MB', FLAT_HEAP_MB);
  count('active handles', (s) => s.handles);
  count('open fds', (s) => s.fds, all);
  out.push(`event-loop lag: mean of minutes ${(samples.reduce((a, s) => a + s.lagMs, 0) / samples.length).toFixed(1)} ms, worst minute ${Math.max(...samples.map((s) => s.lagMs)).toFixed(1)} ms, max single ${Math.max(...samples.map((s) => s.lagMaxMs)).toFixed(0)} ms`);
  return out;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let minutes = 30;
  let mbps = '50';
  let workers = '';
  let intervalS = 60;
  let backend = 'cap';
  /** Which captures loop: corpus (Ethernet corpus and seed files), real-mail, mid (generated). */
  let sets = ['corpus', 'real-mail', 'mid'];
  /** Extra node flags for mailtap (e.g. --perf-basic-prof, so `perf` names JIT frames). */
  const nodeFlags: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--mbps') mbps = args[++i] ?? mbps;
    else if (a === '--workers') workers = args[++i] ?? '';
    else if (a === '--interval-s') intervalS = Number(args[++i]);
    else if (a === '--backend') backend = args[++i] ?? backend;
    else if (a === '--captures') sets = (args[++i] ?? '').split(',');
    else if (a === '--node-flag') nodeFlags.push(args[++i] ?? '');
    else minutes = Number(a);
  }
  if (!(minutes > 0) || !(intervalS > 0)) throw new Error('usage: soak.js [minutes=30] [--mbps 50] [--workers N] [--interval-s 60] [--backend cap|native] [--node-flag F]... [--captures corpus,real-mail,mid,large,FILE]');
  requireRootAndTools(['ip', 'ethtool', 'tcpreplay', 'python3']);
  const work = mkdtempSync(join(tmpdir(), 'mailtap-soak-'));
  let tx: Netns | null = null;
  let rx: Netns | null = null;
  const procs: NetnsProc[] = [];
  const cleanup = (): void => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    tx?.destroy();
    rx?.destroy();
    rmSync(work, { recursive: true, force: true });
  };
  await withCleanup(cleanup, async () => {
    const mid = join(work, 'mid.pcap');
    if (sets.includes('mid')) execFileSync('python3', [join(SHARED, 'tools', 'gen-smtp-pcap.py'), '-q', '-o', mid, '--mb', '40', '--attach-kb', '60', '--concurrency', '50', '--ipv6-frac', '0.1', '--auth-frac', '0.3', '--seed', '8'], { stdio: 'inherit', timeout: 300_000 });
    const files: string[] = [];
    if (sets.includes('corpus')) files.push(...ethernetCaptures(join(FIXTURES, 'corpus'), []), ...ethernetCaptures(join(FIXTURES, 'seed'), []));
    if (sets.includes('real-mail')) files.push(join(FIXTURES, 'real-mail', 'real-mail.pcap'));
    if (sets.includes('mid')) files.push(mid);
    // Anything else: a file, or the name of a benchmark input (test/bench/out/<name>.pcap).
    for (const x of sets) if (!['corpus', 'real-mail', 'mid'].includes(x)) files.push(existsSync(x) ? x : join(REPO_ROOT, 'test', 'bench', 'out', `${x}.pcap`));
    if (!files.every((f) => existsSync(f) && isEthernetPcap(f))) throw new Error(`not an Ethernet pcap: ${files.filter((f) => !existsSync(f) || !isEthernetPcap(f)).join(', ')}`);
    const bytes = files.reduce((a, f) => a + statSync(f).size, 0);
    process.stdout.write(`soak: ${minutes} min, tcpreplay --mbps=${mbps} --loop=0 over ${files.length} captures (${(bytes / 1e6).toFixed(1)} MB a loop), samples every ${intervalS} s, capture.backend ${backend}\n`);

    tx = createNetns('mtsoak-tx');
    rx = createNetns('mtsoak-rx');
    linkVeth(tx, TX_IF, rx, RX_IF);
    setOffloads(rx, RX_IF, false);
    const mt = await startMailtap(rx, writeRunConfig(work, RX_IF, 64, backend), join(work, 'events.ndjson'), workers, nodeFlags);
    procs.push(mt);
    const pid = pidOf(mt);
    const replay = spawnIn(tx, ['tcpreplay', '-i', TX_IF, `--mbps=${mbps}`, '--loop=0', ...files], true);
    procs.push(replay);
    const samples: Sample[] = [];
    const start = Date.now();
    let cpu = threadCpu(pid).all;
    let last = start;
    for (let minute = 1; minute * intervalS <= minutes * 60; minute++) {
      await sleep(start + minute * intervalS * 1000 - Date.now());
      if (mt.child.exitCode !== null || replay.child.exitCode !== null) throw new Error(`a process ended early: mailtap ${String(mt.child.exitCode)}, tcpreplay ${String(replay.child.exitCode)}\n${mt.lines.slice(-5).join('\n')}\n${replay.lines.slice(-5).join('\n')}`);
      const now = Date.now();
      const s = sample(rx, pid, minute, cpu, (now - last) / 1000);
      cpu = threadCpu(pid).all;
      last = now;
      samples.push(s);
      process.stdout.write(`${line(s)}\n`);
    }
    await stopProc(replay, 'SIGINT');
    const sent = Number(/Actual:\s+(\d+) packets/.exec(replay.lines.join('\n'))?.[1] ?? NaN);
    const code = await stopProc(mt);
    process.stdout.write(`tcpreplay sent ${sent} packets; mailtap exited ${String(code)}\n${verdict(samples).join('\n')}\n`);
  });
}

runIfMain(import.meta.url, main);
