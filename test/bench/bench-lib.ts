// Shared by the benchmarks (not tests): the generated inputs `large` and `many` (made if missing
// with shared/tools/gen-smtp-pcap.py into test/bench/out/, gitignored), a runner that measures a
// command's wall time and peak RSS under /usr/bin/time, and table formatting.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, SHARED } from '../helpers/paths.js';

export const OUT = join(REPO_ROOT, 'test', 'bench', 'out');
const GENERATOR = join(SHARED, 'tools', 'gen-smtp-pcap.py');
const TIME = '/usr/bin/time';

export interface Input {
  name: string;
  args: string[];
}

export const INPUTS: Input[] = [
  { name: 'large', args: ['--mb', '1000', '--attach-kb', '200', '--concurrency', '100', '--seed', '2'] },
  {
    name: 'many',
    args: ['--sessions', '100000', '--concurrency', '5000', '--max-attach', '0', '--html-frac', '0', '--text-kb', '0.1', '--max-rcpt', '2', '--multi-txn-frac', '0', '--pipelining-frac', '0.5', '--seed', '3'],
  },
];

export interface Run {
  seconds: number;
  /** user + system CPU seconds of the command (all its threads). */
  cpuSeconds: number;
  peakRssKb: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command under /usr/bin/time for its peak RSS (%M, KiB), CPU (%U + %S) and wall time.
 * stdout is kept only when `keepStdout` (tshark's field output), otherwise discarded.
 */
export function timed(cmd: string, args: readonly string[], keepStdout = false): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', 'BENCH_RSS_KB=%M BENCH_CPU=%U+%S', cmd, ...args], { stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'] });
    let stderr = '';
    const out: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const m = /BENCH_RSS_KB=(\d+) BENCH_CPU=([\d.]+)\+([\d.]+)/.exec(stderr);
      if (code !== 0 || m === null) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      else resolve({ seconds, cpuSeconds: Number(m[2]) + Number(m[3]), peakRssKb: Number(m[1]), stdout: Buffer.concat(out).toString(), stderr });
    });
  });
}

/** The capture of `input`, generated on first use (about a minute each; the generator is Python). */
export function ensureInput(input: Input): string {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${input.name}.pcap`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${file} (gen-smtp-pcap.py ${input.args.join(' ')}) …\n`);
    execFileSync('python3', [GENERATOR, '-o', `${file}.tmp`, '--truth', join(OUT, `${input.name}.truth.jsonl`), '-q', ...input.args], { stdio: 'inherit' });
    execFileSync('mv', [`${file}.tmp`, file]);
  }
  return file;
}

export function row(cols: readonly (string | number)[], first = 22, rest = 13): string {
  return cols.map((c, i) => (i === 0 ? String(c).padEnd(first) : String(c).padStart(rest))).join('');
}

/** `node --test` also runs every file under a test/ folder: a benchmark is not a test. */
export function exitUnderTestRunner(name: string): void {
  if (process.env.NODE_TEST_CONTEXT !== undefined) {
    process.stdout.write(`${name}: not run under the test runner\n`);
    process.exit(0);
  }
}
