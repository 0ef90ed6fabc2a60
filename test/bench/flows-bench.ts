// Throughput benchmark of the foundation (not a test): `mailtap flows` against tcpflow on two
// generated captures, `large` (~1 GB, big attachments) and `many` (~250 MB, 100k short sessions),
// made if missing with shared/tools/gen-smtp-pcap.py into test/bench/out/ (gitignored).
// Prints MB/s, packets/s, peak RSS and the mailtap/tcpflow ratio. See test/bench/README.md.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { MAIN } from '../helpers/run-cli.js';
import type { Run } from './bench-lib.js';
import { INPUTS, ensureInput, exitUnderTestRunner, row, timed } from './bench-lib.js';

/** Packets in the capture, from mailtap's own end-of-run log line. */
function packetsOf(stderr: string): number {
  const m = /"packets":(\d+)/.exec(stderr);
  return m === null ? NaN : Number(m[1]);
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

exitUnderTestRunner('flows-bench');

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
