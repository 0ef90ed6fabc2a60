// Full-size hostile inputs (issue 8), not a test: runs the SYN flood at the size the issue names
// (HOSTILE_SYN=1000000 half-open connections; CI runs 250,000) beside the two GiB lines without a
// newline (full size in CI too) and prints each run's diagnostics: input size, wall time, peak RSS against
// the baseline and cap budget. The assertions are the tests' own, so a failure here is a bug.
// Usage: node --import tsx test/bench/hostile-bench.ts   (or dist/test/bench/hostile-bench.js)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exitUnderTestRunner } from './bench-lib.js';

exitUnderTestRunner('hostile-bench');

const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
const file = (name: string): string => fileURLToPath(new URL(`../integration/hostile/${name}${ext}`, import.meta.url));

const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
const args = [...execArgv, '--test', '--test-reporter=tap', '--test-name-pattern=SYN flood|line without a newline', file('tcp-hostile.test'), file('smtp-hostile.test'), file('mime-hostile.test')];
const env = { ...process.env, HOSTILE_SYN: process.env.HOSTILE_SYN ?? '1000000', HOSTILE_LINE_MB: process.env.HOSTILE_LINE_MB ?? '1024', HOSTILE_DATA_LINE_MB: process.env.HOSTILE_DATA_LINE_MB ?? '1024' };
const t0 = Date.now();
const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (b: Buffer) => {
  out += b.toString('utf8');
});
child.on('close', (code) => {
  for (const line of out.split('\n')) {
    if (/^(not )?ok \d+ - (?!.*# SKIP)/.test(line) || (/^# /.test(line) && !/^# Subtest/.test(line))) process.stdout.write(`${line}\n`);
  }
  process.stdout.write(`hostile-bench: ${((Date.now() - t0) / 1000).toFixed(0)} s, exit ${String(code)}\n`);
  process.exitCode = code ?? 1;
});
