// Throughput benchmark of the foundation (not a test): `mailtap flows` against tcpflow on two
// generated captures, `large` (~1 GB, big attachments) and `many` (~250 MB, 100k short sessions),
// made if missing with shared/tools/gen-smtp-pcap.py into test/bench/out/ (gitignored).
// Prints MB/s, packets/s, peak RSS and the mailtap/tcpflow ratio. See test/bench/README.md.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, SHARED, fixture } from '../helpers/paths.js';
import { MAIN } from '../helpers/run-cli.js';

const OUT = join(REPO_ROOT, 'test', 'bench', 'out');
const GENERATOR = join(SHARED, 'tools', 'gen-smtp-pcap.py');
const TIME = '/usr/bin/time';

interface Input {
  name: string;
  args: string[];
}

const INPUTS: Input[] = [
  { name: 'large', args: ['--mb', '1000', '--attach-kb', '200', '--concurrency', '100', '--seed', '2'] },
  {
    name: 'many',
    args: ['--sessions', '100000', '--concurrency', '5000', '--max-attach', '0', '--html-frac', '0', '--text-kb', '0.1', '--max-rcpt', '2', '--multi-txn-frac', '0', '--pipelining-frac', '0.5', '--seed', '3'],
  },
];

interface Run {
  seconds: number;
  peakRssKb: number;
  stderr: string;
}

/** Runs a command under /usr/bin/time for its peak RSS (%M, KiB) and wall time (%e); stdout discarded. */
function timed(cmd: string, args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', 'BENCH_RSS_KB=%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const m = /BENCH_RSS_KB=(\d+)/.exec(stderr);
      if (code !== 0 || m === null) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      else resolve({ seconds, peakRssKb: Number(m[1]), stderr });
    });
  });
}

function ensureInput(input: Input): string {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${input.name}.pcap`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} (gen-smtp-pcap.py ${input.args.join(' ')}) …\n`);
    execFileSync('python3', [GENERATOR, '-o', `${file}.tmp`, '--truth', join(OUT, `${input.name}.truth.jsonl`), '-q', ...input.args], { stdio: 'inherit' });
    execFileSync('mv', [`${file}.tmp`, file]);
  }
  return file;
}

/** Packets in the capture, from mailtap's own end-of-run log line. */
function packetsOf(stderr: string): number {
  const m = /"packets":(\d+)/.exec(stderr);
  return m === null ? NaN : Number(m[1]);
}

function row(cols: readonly (string | number)[]): string {
  return cols.map((c, i) => (i === 0 ? String(c).padEnd(22) : String(c).padStart(13))).join('');
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  // Start-up (module loading, and compilation when run under tsx) on a 2 KB capture, so the
  // steady-state rate can be told apart from the fixed cost.
  const startup = (await timed(process.execPath, [...execArgv, MAIN, 'flows', fixture('seed', 'session.pcap')])).seconds;
  process.stdout.write(`mailtap start-up: ${startup.toFixed(2)} s (${MAIN})\n`);
  const lines: string[] = [row(['run', 'MB', 'seconds', 'MB/s', 'packets/s', 'peak RSS MB', 'vs tcpflow', 'MB/s -start'])];
  for (const input of INPUTS) {
    if (only.length > 0 && !only.includes(input.name)) continue;
    const file = ensureInput(input);
    const mb = statSync(file).size / 1e6;
    const mt = await timed(process.execPath, [...execArgv, MAIN, 'flows', file]);
    const packets = packetsOf(mt.stderr);
    const tfDir = mkdtempSync(join(tmpdir(), 'mailtap-bench-tcpflow-'));
    let tf: Run;
    try {
      tf = await timed('tcpflow', ['-r', file, '-o', tfDir]);
    } finally {
      rmSync(tfDir, { recursive: true, force: true });
    }
    const fmt = (r: Run): (string | number)[] => [mb.toFixed(0), r.seconds.toFixed(2), (mb / r.seconds).toFixed(1), Math.round(packets / r.seconds), (r.peakRssKb / 1024).toFixed(0)];
    const steady = (mb / Math.max(mt.seconds - startup, 1e-3)).toFixed(1);
    lines.push(row([`${input.name} mailtap flows`, ...fmt(mt), `${(tf.seconds / mt.seconds).toFixed(2)}x`, steady]));
    lines.push(row([`${input.name} tcpflow`, ...fmt(tf), '1.00x', '']));
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write('targets: mailtap flows >= 400 MB/s on large; peak RSS < 256 MB on both\n');
}

if (process.env.NODE_TEST_CONTEXT !== undefined) {
  // `node --test dist/test/` also runs every file under a test/ folder: a benchmark is not a test,
  // and this one would generate 1.25 GB of captures.
  process.stdout.write('flows-bench: not run under the test runner\n');
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
