// Memory per open connection (issue 13 item 12), not a test: builds a capture of N SMTP sessions
// that never close (handshake, a banner, an EHLO, its multi-line reply, the client's ACK; no FIN),
// runs `mailtap read` on it with the default configuration (hostile-read-entry: the CLI's read
// steps plus the final metrics) under /usr/bin/time, and prints the peak RSS of each N, the bytes
// per open connection from the difference between two N, the connections evicted, and the heap per
// idle connection of the main thread and of a worker measured apart (idle-memory-entry, after a
// full GC). Every session is still open at the end of the capture (1 µs between packets, far below
// flows.idle_timeout_s), so the peak comes when all of them are held (and closed as `eof`).
// Usage: node --import tsx test/bench/flow-memory-bench.ts [N ...]   (default 250000 25000)
//        npx tsc -p tsconfig.json && node dist/test/bench/flow-memory-bench.js
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUT, exitUnderTestRunner, row } from './bench-lib.js';
import { ACK, PcapWriter, TcpConn, ip4 } from '../helpers/hostile-pcap.js';
import { measureIdle } from '../helpers/idle-memory.js';

exitUnderTestRunner('flow-memory-bench');

const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
const ENTRY = fileURLToPath(new URL(`../helpers/hostile-read-entry${ext}`, import.meta.url));
const BANNER = Buffer.from('220 mx.example.net ESMTP Postfix (Debian/GNU)\r\n');
const EHLO = Buffer.from('EHLO client.example.org\r\n');
const REPLY = Buffer.from('250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
const SERVER = ip4('192.0.2.25');

/** The capture of `n` open sessions in test/bench/out/ (made once, reused). */
function capture(n: number): string {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `open-sessions-${n}.pcap`);
  if (existsSync(file)) return file;
  const fd = openSync(`${file}.tmp`, 'w');
  const w = new PcapWriter();
  const ship = (): void => {
    for (const b of w.take()) writeSync(fd, b);
  };
  for (let i = 0; i < n; i++) {
    // Clients across 10.0.0.0/8, one connection each, all to one server on port 25.
    const c = new TcpConn(w, (0x0a000000 + i + 1) >>> 0, SERVER, 1024 + (i % 64000), 25, (i * 7919 + 1000) >>> 0, (i * 104729 + 5000) >>> 0);
    c.handshake();
    c.s(BANNER);
    c.c(EHLO);
    c.s(REPLY);
    w.tcp({ src: c.client, dst: SERVER, sport: c.cport, dport: 25, seq: c.cNext, ack: c.sNext, flags: ACK });
    if (w.readyBytes >= 4 << 20) ship();
  }
  w.flush();
  ship();
  closeSync(fd);
  renameSync(`${file}.tmp`, file);
  return file;
}

interface ReadRun {
  peakKb: number;
  seconds: number;
  metrics: Map<string, number>;
}

/** `mailtap read --events /dev/null FILE` with the defaults (no MAILTAP_* variables), under time(1). */
function read(file: string): Promise<ReadRun> {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-flowmem-'));
  const metricsFile = join(dir, 'metrics');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MAILTAP_')) env[k] = v;
  env.HOSTILE_METRICS_FILE = metricsFile;
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'BENCH_RSS_KB=%M', process.execPath, ...execArgv, ENTRY, 'read', '--events', '/dev/null', file], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const m = /BENCH_RSS_KB=(\d+)/.exec(stderr);
      const metrics = new Map<string, number>();
      if (existsSync(metricsFile)) {
        for (const line of readFileSync(metricsFile, 'utf8').split('\n')) {
          if (line === '' || line.startsWith('#')) continue;
          const sp = line.lastIndexOf(' ');
          metrics.set(line.slice(0, sp), Number(line.slice(sp + 1)));
        }
      }
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0 || m === null) reject(new Error(`read ${file} exited ${String(code)}:\n${stderr.slice(-2000)}`));
      else resolve({ peakKb: Number(m[1]), seconds, metrics });
    });
  });
}

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const ns = (sizes.length > 0 ? sizes : [250_000, 25_000]).sort((a, b) => b - a);
const mib = (kb: number): string => (kb / 1024).toFixed(0);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

process.stdout.write(`flow-memory-bench (${ext === '.ts' ? 'tsx' : 'compiled'}), load average ${load()}\n`);
process.stdout.write(`${row(['open sessions', 'capture MB', 'wall s', 'peak RSS MiB', 'evicted', 'sessions'], 16, 14)}\n`);
const runs: { n: number; r: ReadRun }[] = [];
for (const n of ns) {
  const file = capture(n);
  const r = await read(file);
  runs.push({ n, r });
  const evicted = r.metrics.get('mailtap_flows_total{close="evicted"}') ?? NaN;
  const sessions = [...r.metrics].filter(([k]) => k.startsWith('mailtap_smtp_sessions_total{')).reduce((s, [, v]) => s + v, 0);
  process.stdout.write(`${row([n, (statSync(file).size / 1e6).toFixed(1), r.seconds.toFixed(1), mib(r.peakKb), evicted, sessions], 16, 14)}\n`);
}
if (runs.length >= 2) {
  const big = runs[0]!;
  const small = runs[runs.length - 1]!;
  const per = ((big.r.peakKb - small.r.peakKb) * 1024) / (big.n - small.n);
  process.stdout.write(`peak RSS per open session (${big.n} vs ${small.n}, all threads): ${per.toFixed(0)} bytes\n`);
}
// The two sides apart, in-process, heap and buffers after a full GC (100,000 idle connections).
for (const mode of ['main', 'worker'] as const) {
  const m = measureIdle(mode, 100_000);
  process.stdout.write(`${mode === 'main' ? 'main thread (FlowTable + SmtpGate)' : 'worker (SessionTable + SmtpSession)'}: ${m.totalPerFlow} bytes per idle connection (${m.heapPerFlow} heap + ${m.externalPerFlow} buffers)\n`);
}
process.stdout.write(`load average ${load()}\n`);
