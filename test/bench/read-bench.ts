// Throughput benchmark of the whole pipeline (not a test, issue 7): `mailtap read` with default
// settings (all three hashes on) against tshark's SMTP+IMF dissection and tcpflow's reassembly, on
// the generated `large` and `many` captures, in the same run. Every transaction of the truth file
// must be in mailtap's output (a fast wrong answer does not count), and `large` is also read three
// times in a row to show that peak RSS does not grow with input length. See test/bench/README.md.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN } from '../helpers/run-cli.js';
import { readTruth, truthProblems } from '../helpers/truth.js';
import type { Run } from './bench-lib.js';
import { INPUTS, OUT, ensureInput, exitUnderTestRunner, row, timed } from './bench-lib.js';

exitUnderTestRunner('read-bench');

const tmp = mkdtempSync(join(tmpdir(), 'mailtap-read-bench-'));
const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
/** BENCH_WORKERS=N passes --workers N (default: mailtap's own default, CPU count minus one). */
const workers = process.env.BENCH_WORKERS;
/** BENCH_TOOLS=mailtap skips tshark and tcpflow (they take minutes on `many`). */
const tools = (process.env.BENCH_TOOLS ?? 'mailtap,tshark,tcpflow').split(',');

interface Row {
  name: string;
  run: Run;
  mb: number;
  transactions: number;
  /** TCP connections of the input (smtp_session events, or `mailtap flows` lines): the per-session CPU divisor. */
  sessions: number;
  note: string;
}

async function mailtapRead(files: readonly string[]): Promise<{ run: Run; events: string }> {
  const events = join(tmp, 'events.ndjson');
  rmSync(events, { force: true });
  const args = [...execArgv, MAIN, 'read', '--events', events, ...(workers === undefined ? [] : ['--workers', workers]), ...files];
  return { run: await timed(process.execPath, args), events };
}

/** `mailtap flows` (decode + reassembly only, issue 12's "flows" figure), output counted, not kept. */
async function mailtapFlows(file: string): Promise<{ run: Run; flows: number }> {
  const run = await timed(process.execPath, [...execArgv, MAIN, 'flows', file], true);
  return { run, flows: run.stdout.split('\n').filter((l) => l !== '').length };
}

/** Transactions found in an events file, and how many truth transactions are missing or differ. */
function checkTruth(eventsFile: string, truthFile: string): { transactions: number; sessions: number; problems: string[]; truth: number } {
  const txns: Record<string, unknown>[] = [];
  let sessions = 0;
  for (const line of readFileSync(eventsFile, 'utf8').split('\n')) {
    if (line.includes('"event":"smtp_transaction"')) txns.push(JSON.parse(line) as Record<string, unknown>);
    else if (line.includes('"event":"smtp_session"')) sessions++;
  }
  const truth = readTruth(truthFile);
  return { transactions: txns.length, sessions, problems: truthProblems(truth, txns), truth: truth.length };
}

async function tshark(file: string): Promise<{ run: Run; messages: number }> {
  // The reference figure: SMTP + IMF dissection, one subject line per message found.
  const run = await timed('tshark', ['-n', '-r', file, '-Y', 'imf', '-T', 'fields', '-e', 'imf.subject'], true);
  return { run, messages: run.stdout.split('\n').filter((l) => l !== '').length };
}

async function tcpflow(file: string): Promise<Run> {
  const dir = mkdtempSync(join(tmp, 'tcpflow-'));
  try {
    return await timed('tcpflow', ['-r', file, '-o', dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(r: Row): string {
  const s = r.run.seconds;
  return `${row([
    r.name,
    r.mb.toFixed(0),
    s.toFixed(2),
    (r.mb / s).toFixed(1),
    (r.mb / r.run.cpuSeconds).toFixed(1),
    r.transactions > 0 ? Math.round(r.transactions / s) : '',
    r.sessions > 0 ? Math.round((r.run.cpuSeconds * 1e6) / r.sessions) : '',
    (r.run.peakRssKb / 1024).toFixed(0),
  ])}  ${r.note}`;
}

const startLoad = loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const rows: Row[] = [];
  for (const input of INPUTS) {
    if (only.length > 0 && !only.includes(input.name)) continue;
    const file = ensureInput(input);
    const truthFile = join(OUT, `${input.name}.truth.jsonl`);
    const mb = statSync(file).size / 1e6;
    if (tools.includes('mailtap')) {
      const { run, events } = await mailtapRead([file]);
      const t = checkTruth(events, truthFile);
      const note = t.problems.length === 0 ? `all ${t.truth} truth txns` : `${t.problems.length} problems: ${t.problems[0]}`;
      rows.push({ name: `${input.name} mailtap read`, run, mb, transactions: t.transactions, sessions: t.sessions, note });
      if (input.name === 'large') {
        const three = await mailtapRead([file, file, file]);
        const txns = readFileSync(three.events, 'utf8').split('"event":"smtp_transaction"').length - 1;
        const growth = ((three.run.peakRssKb / run.peakRssKb - 1) * 100).toFixed(1);
        rows.push({ name: 'large x3 mailtap read', run: three.run, mb: mb * 3, transactions: txns, sessions: 0, note: `RSS ${growth}% vs x1` });
      }
      const f = await mailtapFlows(file);
      rows.push({ name: `${input.name} mailtap flows`, run: f.run, mb, transactions: 0, sessions: f.flows, note: `${f.flows} connections` });
    }
    if (tools.includes('tshark')) {
      const t = await tshark(file);
      const truth = readTruth(truthFile).length;
      rows.push({ name: `${input.name} tshark -Y imf`, run: t.run, mb, transactions: t.messages, sessions: 0, note: `${t.messages} of ${truth} msgs` });
    }
    if (tools.includes('tcpflow')) rows.push({ name: `${input.name} tcpflow`, run: await tcpflow(file), mb, transactions: 0, sessions: 0, note: 'no parsing' });
  }
  const header = `${row(['run', 'MB', 'seconds', 'MB/s', 'MB/CPU-s', 'txn/s', 'CPU us/sess', 'peak RSS MB'])}  note`;
  process.stdout.write(`${header}\n${rows.map(fmt).join('\n')}\n`);
  // CPU us/sess: user+system time of all threads over the connections (sessions for read, flows for flows).
  process.stdout.write(`load average at start ${startLoad}, at end ${loadavg().map((l) => l.toFixed(2)).join(' ')} (take figures only on a quiet machine)\n`);
  process.stdout.write('targets (issue 12): many >= 15,000 txn/s and <= 110 us CPU per session, flows <= 15 us per session; large >= 280 MB/s; peak RSS < 300 MB, x3 within 10%\n');
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(tmp, { recursive: true, force: true }));
