// Live capture benchmark (issue 7): replays `many`/`large` with tcpreplay from one network namespace
// over a veth pair into another where `mailtap run` (then `tcpdump -w /dev/null`) captures, at rising
// rates; per rate: transactions of the truth file logged, packets missed, tcpdump's kernel drops.
// Owns its two namespaces and a temp dir, both removed on exit; prints one table per input.
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createNetns, httpGetIn, linkVeth, requireRootAndTools, setOffloads, spawnIn } from '../helpers/netns.js';
import type { Netns } from '../helpers/netns.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { MAIN } from '../helpers/run-cli.js';
import { cpuShare, METRICS_LISTEN, peakRss, pidOf, promSum, reportProfile, runIfMain, RX_IF, sleep, START_MS, startMailtap, stopProc, threadCpu, TX_IF, withCleanup, writeRunConfig } from './live-run.js';

/** After tcpreplay ends: mailtap counts as caught up once its packet count holds this long. */
const SETTLE_MS = 1500;
const DRAIN_LIMIT_MS = 120_000;

type Json = Record<string, unknown>;

interface Replay {
  packets: number;
  bytes: number;
  seconds: number;
  mbps: number;
  pps: number;
  failed: number;
  text: string;
}

/** tcpreplay from `tx`, bounded by the time the file takes at the rate (plus slack). */
async function replay(tx: Netns, file: string, rate: string, prefix: readonly string[]): Promise<Replay> {
  const speed = rate === 'topspeed' ? ['--topspeed'] : [`--mbps=${rate}`];
  const p = spawnIn(tx, [...prefix, 'tcpreplay', '-i', TX_IF, ...speed, file], true);
  const kill = setTimeout(() => p.child.kill('SIGKILL'), 30 * 60_000);
  await p.exit;
  clearTimeout(kill);
  const text = p.lines.join('\n');
  const num = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
  return {
    packets: num(/Actual:\s+(\d+) packets/),
    bytes: num(/Actual:\s+\d+ packets \((\d+) bytes\)/),
    seconds: num(/sent in ([\d.]+) seconds/),
    mbps: num(/([\d.]+) Mbps/),
    pps: num(/([\d.]+) pps/),
    failed: num(/Failed packets:\s+(\d+)/),
    text,
  };
}

interface Truth {
  client: string;
  client_port: number;
  txn: number;
  mail_from: string;
  rcpt_to: string[];
  subject: string;
  message_bytes: number;
}

interface Seen {
  mailFrom: unknown;
  rcpt: string;
  subject: unknown;
  intact: boolean;
  used: boolean;
}

/** Truth transactions found in the events (same client ip:port, envelope and subject), and intact ones. */
export async function compareTruth(truthPath: string, eventsPath: string): Promise<{ expected: number; found: number; intact: number; extra: number }> {
  const seen = new Map<string, Seen[]>();
  let total = 0;
  if (existsSync(eventsPath)) {
    for await (const line of createInterface({ input: createReadStream(eventsPath), crlfDelay: Infinity })) {
      if (!line.includes('"smtp_transaction"')) continue;
      const e = JSON.parse(line) as Json;
      if (e['event'] !== 'smtp_transaction') continue;
      total++;
      const key = `${String(e['src_ip'])}|${String(e['src_port'])}`;
      const m = (e['message'] ?? {}) as Json;
      const item: Seen = { mailFrom: e['mail_from'], rcpt: JSON.stringify(e['rcpt_to']), subject: m['subject'], intact: e['status'] === 'accepted' && e['gap_bytes'] === 0, used: false };
      const list = seen.get(key);
      if (list === undefined) seen.set(key, [item]);
      else list.push(item);
    }
  }
  let expected = 0;
  let found = 0;
  let intact = 0;
  for await (const line of createInterface({ input: createReadStream(truthPath), crlfDelay: Infinity })) {
    if (line === '') continue;
    const t = JSON.parse(line) as Truth;
    expected++;
    const rcpt = JSON.stringify(t.rcpt_to);
    const hit = (seen.get(`${t.client}|${t.client_port}`) ?? []).find((s) => !s.used && s.mailFrom === t.mail_from && s.rcpt === rcpt && s.subject === t.subject);
    if (hit === undefined) continue;
    hit.used = true;
    found++;
    if (hit.intact) intact++;
  }
  return { expected, found, intact, extra: total - found };
}

interface Row {
  input: string;
  tool: 'mailtap' | 'tcpdump';
  rate: string;
  replay: Replay;
  /** mailtap: truth transactions found/intact/expected. */
  found?: number;
  extra?: number;
  intact?: number;
  expected?: number;
  /** Packets sent and not seen by the tool (mailtap: sent - packets_total; tcpdump: kernel drops). */
  missed: number;
  droppedBytes?: number;
  backlogBytes?: number;
  /** VmHWM of mailtap (all threads) before it was stopped. */
  peakRssMb?: number;
  /** mailtap_capture_drops_total: sysfs interface drops (cap), plus pcap_stats and batch drops (native). */
  ifDrops?: number;
  mainCpu?: string;
  lossFree: boolean;
}

interface Options {
  inputs: string[];
  rates: string[];
  tools: string[];
  offloads: boolean;
  bufferMb: number;
  workers: string;
  profileRate: string;
  stopAfterLoss: number;
  /** capture.backend of the mailtap runs: native (mailtap's default since SPEC made it so) or cap. */
  backend: string;
  pin: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { inputs: [], rates: ['100', '250', '500', '750', '1000', '1500', '2000', 'topspeed'], tools: ['mailtap', 'tcpdump'], offloads: false, bufferMb: 64, workers: '', profileRate: '', stopAfterLoss: 0, backend: 'native', pin: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const v = (): string => argv[++i] ?? '';
    if (a === '--rates') o.rates = v().split(',');
    else if (a === '--tools') o.tools = v().split(',');
    else if (a === '--offloads') o.offloads = v() === 'on';
    else if (a === '--buffer-mb') o.bufferMb = Number(v());
    else if (a === '--workers') o.workers = v();
    else if (a === '--profile') o.profileRate = v();
    else if (a === '--stop-after-loss') o.stopAfterLoss = Number(v());
    else if (a === '--backend') o.backend = v();
    else if (a === '--pin') o.pin = true;
    else o.inputs.push(a);
  }
  if (o.inputs.length === 0) o.inputs = ['many', 'large'];
  return o;
}

/** --pin: tcpreplay on CPU 0, the capturing tool on the others, so the two stop trading one core. */
function pinReplay(o: Options): string[] {
  return o.pin ? ['taskset', '-c', '0'] : [];
}

function pinCapture(o: Options): string[] {
  return o.pin ? ['taskset', '-c', `1-${Math.max(1, cpus().length - 1)}`] : [];
}

async function runMailtap(o: Options, tx: Netns, rx: Netns, work: string, input: string, rate: string): Promise<Row> {
  const pcap = join(REPO_ROOT, 'test', 'bench', 'out', `${input}.pcap`);
  const events = join(work, 'events.ndjson');
  rmSync(events, { force: true });
  const profDir = join(work, `prof-${input}-${rate}`);
  const profile = o.profileRate === rate;
  // --perf-basic-prof: /tmp/perf-<pid>.map names JIT frames for `perf report` (removed after).
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, '--perf-basic-prof'] : [];
  const mt = await startMailtap(rx, writeRunConfig(work, RX_IF, o.bufferMb, o.backend), events, o.workers, flags, pinCapture(o));
  const pid = pidOf(mt);
  const cpu0 = threadCpu(pid);
  const perf = profile ? spawnIn(rx, ['perf', 'record', '-F', '499', '-g', '-t', String(pid), '-o', join(work, 'perf.data')]) : null;
  const r = await replay(tx, pcap, rate, pinReplay(o));
  const cpu1 = threadCpu(pid);
  if (perf !== null) await stopProc(perf, 'SIGINT');
  let metrics = '';
  let last = -1;
  const drainEnd = Date.now() + DRAIN_LIMIT_MS;
  while (Date.now() < drainEnd) {
    metrics = httpGetIn(rx, `http://${METRICS_LISTEN}/metrics`).body;
    const n = promSum(metrics, 'mailtap_packets_total');
    if (n === last && promSum(metrics, 'mailtap_worker_queue_bytes') === 0) break;
    last = n;
    await sleep(SETTLE_MS);
  }
  const peakRssMb = peakRss(pid);
  const code = await stopProc(mt);
  if (code !== 0) process.stderr.write(`mailtap exited ${String(code)}: ${mt.lines.slice(-5).join('\n')}\n`);
  const seenPackets = promSum(metrics, 'mailtap_packets_total');
  const kernel = promSum(metrics, 'mailtap_capture_drops_total');
  const droppedBytes = promSum(metrics, 'mailtap_dropped_bytes_total');
  const backlogBytes = promSum(metrics, 'mailtap_dropped_bytes_total', 'reason="worker_backlog"');
  const truth = await compareTruth(join(REPO_ROOT, 'test', 'bench', 'out', `${input}.truth.jsonl`), events);
  rmSync(events, { force: true });
  // Drops the platform reports are packets not seen: part of `missed` already.
  const missed = Math.max(0, r.packets - seenPackets);
  const mainCpu = cpuShare(cpu0, cpu1, r.seconds);
  if (profile) {
    reportProfile(profDir, pid, join(work, 'perf.data'), rx);
    rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
  return { input, tool: 'mailtap', rate, replay: r, ...truth, missed, ifDrops: kernel, droppedBytes, backlogBytes, mainCpu, peakRssMb, lossFree: missed === 0 && droppedBytes === 0 && truth.intact === truth.expected };
}

async function runTcpdump(o: Options, tx: Netns, rx: Netns, input: string, rate: string): Promise<Row> {
  const pcap = join(REPO_ROOT, 'test', 'bench', 'out', `${input}.pcap`);
  const td = spawnIn(rx, [...pinCapture(o), 'tcpdump', '-i', RX_IF, '-n', '-B', String(o.bufferMb * 1024), '-w', '/dev/null']);
  await td.waitLine((l) => l.includes('listening on'), 'tcpdump to listen', START_MS);
  const cpu0 = threadCpu(pidOf(td));
  const r = await replay(tx, pcap, rate, pinReplay(o));
  const cpu1 = threadCpu(pidOf(td));
  await sleep(1000);
  await stopProc(td, 'SIGINT');
  const text = td.lines.join('\n');
  const dropped = Number(/(\d+) packets? dropped by kernel/.exec(text)?.[1] ?? NaN);
  const captured = Number(/(\d+) packets? captured/.exec(text)?.[1] ?? NaN);
  const missed = dropped + Math.max(0, r.packets - captured);
  return { input, tool: 'tcpdump', rate, replay: r, missed, ifDrops: dropped, mainCpu: cpuShare(cpu0, cpu1, r.seconds), lossFree: missed === 0 };
}

function printTable(rows: readonly Row[], input: string): void {
  const out: string[] = [];
  out.push(`\n${input}: rate | achieved Mbit/s (kpps) | mailtap found/intact/expected | mailtap missed pkts | dropped bytes | mailtap main-thread CPU | tcpdump achieved | tcpdump drops`);
  const rates = [...new Set(rows.filter((r) => r.input === input).map((r) => r.rate))];
  for (const rate of rates) {
    const m = rows.find((r) => r.input === input && r.rate === rate && r.tool === 'mailtap');
    const t = rows.find((r) => r.input === input && r.rate === rate && r.tool === 'tcpdump');
    const ach = (r: Row | undefined): string => (r === undefined ? '-' : `${r.replay.mbps.toFixed(0)} (${(r.replay.pps / 1000).toFixed(0)})`);
    const mt = m === undefined ? '- | - | - | -' : `${m.found}/${m.intact}/${m.expected} | ${m.missed} | ${m.droppedBytes} | ${m.mainCpu}`;
    out.push(`${rate} | ${ach(m)} | ${mt} | ${ach(t)} | ${t === undefined ? '-' : t.missed}`);
  }
  for (const tool of ['mailtap', 'tcpdump'] as const) {
    let best = 'none';
    for (const r of rows) if (r.input === input && r.tool === tool && r.lossFree) best = `${r.rate} (achieved ${r.replay.mbps.toFixed(0)} Mbit/s)`;
    out.push(`highest loss-free rate, ${tool}: ${best}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  requireRootAndTools(['ip', 'ethtool', 'tcpreplay', 'tcpdump', ...(o.profileRate === '' ? [] : ['perf'])]);
  for (const input of o.inputs) {
    if (!existsSync(join(REPO_ROOT, 'test', 'bench', 'out', `${input}.pcap`))) throw new Error(`test/bench/out/${input}.pcap missing: run flows-bench.ts once to generate it`);
  }
  const work = mkdtempSync(join(tmpdir(), 'mailtap-live-bench-'));
  mkdirSync(work, { recursive: true });
  const tx = createNetns('mtbench-tx');
  let rx: Netns | null = null;
  const cleanup = (): void => {
    tx.destroy();
    rx?.destroy();
    rmSync(work, { recursive: true, force: true });
  };
  await withCleanup(cleanup, async () => {
    rx = createNetns('mtbench-rx');
    linkVeth(tx, TX_IF, rx, RX_IF);
    const shown = setOffloads(rx, RX_IF, o.offloads);
    process.stdout.write(`capture end ${RX_IF} offloads ${o.offloads ? 'on' : 'off'}:\n  ${shown.join('\n  ')}\nbuffer ${o.bufferMb} MiB (mailtap capture.buffer_mb, tcpdump -B), mailtap ${MAIN}, capture.backend ${o.backend}${o.pin ? ', pinned: tcpreplay CPU 0, capture the rest' : ''}\n`);
    const rows: Row[] = [];
    for (const input of o.inputs) {
      for (const tool of o.tools) {
        let losses = 0;
        for (const rate of o.rates) {
          const row = tool === 'mailtap' ? await runMailtap(o, tx, rx, work, input, rate) : await runTcpdump(o, tx, rx, input, rate);
          rows.push(row);
          const what = row.tool === 'mailtap' ? `found ${row.found}/${row.expected} intact ${row.intact} extra ${row.extra} missed ${row.missed} (capture_drops_total ${row.ifDrops}) dropped bytes ${row.droppedBytes} (worker_backlog ${row.backlogBytes}) main thread ${row.mainCpu}, peak RSS ${row.peakRssMb?.toFixed(0)} MB` : `missed ${row.missed} (dropped by kernel ${row.ifDrops}) tcpdump ${row.mainCpu}`;
          process.stdout.write(`${input} ${tool} ${rate} [load ${loadavg()[0]?.toFixed(1)}]: sent ${row.replay.packets} pkts in ${row.replay.seconds} s (${row.replay.mbps} Mbit/s, failed ${row.replay.failed}); ${what}\n`);
          losses = row.lossFree ? 0 : losses + 1;
          if (o.stopAfterLoss > 0 && losses >= o.stopAfterLoss) break;
        }
      }
      printTable(rows, input);
    }
  });
}

runIfMain(import.meta.url, main);
