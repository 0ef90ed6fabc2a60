// Throughput benchmark of the whole pipeline (not a test, issue 7): `mailtap read` with default
// settings (all three hashes on) against tshark's SMTP+IMF dissection and tcpflow's reassembly, on
// the generated `large` and `many` captures, in the same run. Every transaction of the truth file
// must be in mailtap's output (a fast wrong answer does not count), and `large` is also read three
// times in a row to show that peak RSS does not grow with input length. See test/bench/README.md.
// COMPARE=<another checkout, compiled> runs its `mailtap read` and `mailtap flows` in alternation
// with this build's, ROUNDS times each (a busy machine then shifts both alike), and prints the
// medians and their ratio: the "2x per CPU-second" is a ratio to the code it was filed on.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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
/** COMPARE=<checkout root with dist/>: that build's CLI, run in alternation with this one. */
const compareMain = process.env.COMPARE === undefined ? undefined : join(process.env.COMPARE, 'dist', 'src', 'cli', 'main.js');
const rounds = Math.max(1, Number(process.env.ROUNDS ?? 1));

interface Row {
  name: string;
  run: Run;
  mb: number;
  transactions: number;
  /** TCP connections of the input (smtp_session events, or `mailtap flows` lines): the per-session CPU divisor. */
  sessions: number;
  note: string;
}

async function mailtapRead(files: readonly string[], main = MAIN): Promise<{ run: Run; events: string }> {
  const events = join(tmp, 'events.ndjson');
  rmSync(events, { force: true });
  const args = [...execArgv, main, 'read', '--events', events, ...(workers === undefined ? [] : ['--workers', workers]), ...files];
  return { run: await timed(process.execPath, args), events };
}

/** `mailtap flows` (decode + reassembly only, issue 12's "flows" figure), output counted, not kept. */
async function mailtapFlows(file: string, main = MAIN): Promise<{ run: Run; flows: number }> {
  const run = await timed(process.execPath, [...execArgv, main, 'flows', file], true);
  return { run, flows: run.stdout.split('\n').filter((l) => l !== '').length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * This build against COMPARE's, alternating (the order swapped each round): median CPU seconds,
 * wall seconds and peak RSS of `read` and of `flows`, and this build's share of the other's.
 */
async function compare(name: string, file: string, other: string, out: string[]): Promise<void> {
  const runs: Record<'read' | 'flows', Record<'new' | 'base', Run[]>> = { read: { new: [], base: [] }, flows: { new: [], base: [] } };
  for (let r = 0; r < rounds; r++) {
    const order: ('new' | 'base')[] = r % 2 === 0 ? ['base', 'new'] : ['new', 'base'];
    for (const who of order) {
      const main = who === 'new' ? MAIN : other;
      runs.read[who].push((await mailtapRead([file], main)).run);
      runs.flows[who].push((await mailtapFlows(file, main)).run);
    }
  }
  for (const kind of ['read', 'flows'] as const) {
    const cpu = (who: 'new' | 'base'): number => median(runs[kind][who].map((x) => x.cpuSeconds));
    const wall = (who: 'new' | 'base'): number => median(runs[kind][who].map((x) => x.seconds));
    const rss = (who: 'new' | 'base'): number => median(runs[kind][who].map((x) => x.peakRssKb / 1024));
    out.push(
      `${name} ${kind}, median of ${rounds} alternating: CPU ${cpu('new').toFixed(2)} s vs ${cpu('base').toFixed(2)} s (x${(cpu('base') / cpu('new')).toFixed(2)} fewer), ` +
        `wall ${wall('new').toFixed(2)} vs ${wall('base').toFixed(2)} s, peak RSS ${rss('new').toFixed(0)} vs ${rss('base').toFixed(0)} MB`,
    );
  }
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
  const compared: string[] = [];
  if (compareMain !== undefined && !existsSync(compareMain)) throw new Error(`COMPARE: no compiled CLI at ${compareMain}`);
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
    if (compareMain !== undefined) await compare(input.name, file, compareMain, compared);
  }
  const header = `${row(['run', 'MB', 'seconds', 'MB/s', 'MB/CPU-s', 'txn/s', 'CPU us/sess', 'peak RSS MB'])}  note`;
  process.stdout.write(`${header}\n${rows.map(fmt).join('\n')}\n`);
  if (compared.length > 0) process.stdout.write(`against COMPARE=${process.env.COMPARE}:\n${compared.join('\n')}\n`);
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
