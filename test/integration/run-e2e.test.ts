// Issue 6 end to end, real components only: inside a network namespace of its own, `mailtap run`
// captures the loopback while a private Postfix (real-mail/lib.sh) receives mail from swaks and a
// real Prometheus scrapes it every second. Checks the events, the count Prometheus holds, log
// rotation (rename + SIGHUP), the switch to `nobody`, and SIGTERM flushing an open session as
// `shutdown` with exit 0. Needs root (CI runs it so); every step is bounded, everything cleaned up.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createNetns, requireRootAndTools } from '../helpers/netns.js';
import { watchLines } from '../helpers/line-watch.js';
import type { Netns } from '../helpers/netns.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { MAIN } from '../helpers/run-cli.js';
import { readableBy, stageReadableApp } from '../helpers/stage-app.js';

const TOOLS = ['ip', 'ss', 'setpriv', 'postfix', 'postconf', 'swaks', 'prometheus', 'python3', 'timeout', 'bash'];
const LIB = join(REPO_ROOT, 'test', 'integration', 'real-mail', 'lib.sh');
const SCENARIO = join(REPO_ROOT, 'test', 'integration', 'real-mail', 'scenario.sh');
const STEP_MS = 30_000;
const METRICS = '127.0.0.1:9469';
const PROMETHEUS = '127.0.0.1:9090';
const NOBODY_UID = 65534;
/** ACCEPTED_DOMAIN of scenario.sh: Postfix accepts (and discards) mail for it. */
const DOMAIN = 'example.net';

type Json = Record<string, unknown>;

/** A child whose lines on one stream are kept and can be waited for (STEP_MS unless told). */
interface Proc {
  child: ChildProcess;
  lines: string[];
  waitLine(pred: (l: string) => boolean, what: string, ms?: number): Promise<string>;
  exit: Promise<number | null>;
}

function startProc(argv: readonly string[], stream: 'stdout' | 'stderr'): Proc {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const w = watchLines(child, [stream === 'stdout' ? child.stdout : child.stderr]);
  (stream === 'stdout' ? child.stderr! : child.stdout!).resume();
  return { child, lines: w.lines, exit: w.exit, waitLine: (pred, what, ms = STEP_MS) => w.waitLine(pred, what, ms) };
}

function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function sh(ns: Netns, work: string, script: string): void {
  const r = shRun(ns, work, script);
  assert.equal(r.status, 0, `${script} failed (${String(r.status)} ${String(r.signal)}): ${r.stdout}${r.stderr}`);
}

/** lib.sh functions with NS and WORK set; bounded. */
function shRun(ns: Netns, work: string, script: string): SpawnSyncReturns<string> {
  return spawnSync('bash', ['-c', `set -euo pipefail; source "$1"; source "$2"; NS=$3; WORK=$4; ${script}`, 'e2e', LIB, SCENARIO, ns.name, work], {
    encoding: 'utf8',
    timeout: STEP_MS * 2,
  });
}

/** HTTP GET from inside the namespace (the test itself lives outside it). */
function httpGet(ns: Netns, url: string): { status: number; body: string } {
  const js = 'fetch(process.argv[1]).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })), (e) => process.stdout.write(JSON.stringify({ status: 0, body: String(e) })))';
  const r = ns.exec([process.execPath, '-e', js, url], 10_000);
  return JSON.parse(r.stdout === '' ? '{"status":0,"body":""}' : r.stdout) as { status: number; body: string };
}

async function poll<T>(what: string, fn: () => T | null, ms = STEP_MS): Promise<T> {
  const end = Date.now() + ms;
  let last: T | null = null;
  while (Date.now() < end) {
    last = fn();
    if (last !== null) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every line of the file as an event; fails on a line that is not whole JSON (a split line). */
function events(path: string): Json[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), `${path} ends with a whole line`);
  return text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as Json);
}

function swaks(ns: Netns, n: number, from: string, to: string): void {
  const r = ns.exec(['timeout', '20', 'swaks', '--server', '127.0.0.1', '--port', '25', '--helo', `client${n}.mailtap.test`, '--from', from, '--to', to, '--header', `Subject: run e2e ${n}`, '--body', `message ${n}`], 25_000);
  assert.equal(r.status, 0, `swaks ${n}: ${r.stdout}${r.stderr}`);
}

function ofKind(evs: Json[], kind: string): Json[] {
  return evs.filter((e) => e['event'] === kind);
}

/** Sum of mailtap_smtp_transactions_total{status="accepted"} as Prometheus holds it, or null. */
function promAccepted(ns: Netns): number | null {
  const r = httpGet(ns, `http://${PROMETHEUS}/api/v1/query?query=mailtap_smtp_transactions_total`);
  if (r.status !== 200) return null;
  const body = JSON.parse(r.body) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  const series = body.data.result.filter((s) => s.metric['status'] === 'accepted' && s.metric['job'] === 'mailtap');
  return series.length === 1 ? Number(series[0]!.value[1]) : null;
}

test('mailtap run: live events, Prometheus scrape, SIGHUP rotation, SIGTERM flush', { timeout: 240_000 }, async () => {
  requireRootAndTools(TOOLS);
  // The daemon loads its worker files after switching to nobody: its code must be readable by
  // nobody. A checkout that is not (a clone under /root) runs from a world-readable staged copy.
  let main = MAIN;
  let staged: string | undefined;
  if (!readableBy('nobody', 'nogroup', MAIN)) {
    assert.ok(MAIN.endsWith('.js'), `${MAIN} must be readable by nobody (mailtap run drops to it in this test); run the compiled tests or make the checkout readable`);
    const copy = stageReadableApp();
    main = copy.main;
    staged = copy.dir;
    assert.ok(readableBy('nobody', 'nogroup', main), `staged copy ${main} is readable by nobody`);
  }
  const ns = createNetns('mailtap-run-e2e');
  const work = mkdtempSync(join(tmpdir(), 'mailtap-run-e2e-'));
  const procs: Proc[] = [];
  let postfixUp = false;
  try {
    sh(ns, work, 'postfix_require_accounts; ns_loopback_up; postfix_write_config; postfix_start');
    postfixUp = true;

    // The events directory belongs to the user mailtap switches to: after a rotation it creates
    // the new file there as that user.
    const evDir = join(work, 'events');
    mkdirSync(evDir, { mode: 0o755 });
    chownSync(evDir, NOBODY_UID, NOBODY_UID);
    const evPath = join(evDir, 'events.ndjson');
    const cfg = join(work, 'mailtap.yaml');
    writeFileSync(cfg, `workers:\n  shutdown_timeout_s: 15\nmetrics:\n  listen: ${METRICS}\nprivileges:\n  user: nobody\n  group: nogroup\n`);
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
    const mailtap = startProc(['ip', 'netns', 'exec', ns.name, process.execPath, ...execArgv, main, 'run', '--config', cfg, '--interface', 'lo', '--events', evPath, '--workers', '2'], 'stderr');
    procs.push(mailtap);
    await mailtap.waitLine((l) => l.includes('"capturing on lo"'), 'mailtap to start capturing');
    const pid = mailtap.child.pid!;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m, 'running as nobody after the capture opened');
    assert.equal(httpGet(ns, `http://${METRICS}/healthz`).status, 200);
    assert.equal(httpGet(ns, `http://${METRICS}/readyz`).status, 200);

    const promYml = join(work, 'prometheus.yml');
    writeFileSync(promYml, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: mailtap\n    static_configs:\n      - targets: ['${METRICS}']\n`);
    const prom = startProc(['ip', 'netns', 'exec', ns.name, 'prometheus', `--config.file=${promYml}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=${PROMETHEUS}`], 'stderr');
    procs.push(prom);
    await poll('Prometheus to be ready', () => (httpGet(ns, `http://${PROMETHEUS}/-/ready`).status === 200 ? true : null));

    // --- phase 1: two messages -------------------------------------------------------------------
    swaks(ns, 1, 'alice@example.org', `bob@${DOMAIN}`);
    swaks(ns, 2, 'carol@example.org', `dave@${DOMAIN}`);
    const phase1 = await poll('two transactions and two sessions', () => {
      const evs = events(evPath);
      return ofKind(evs, 'smtp_transaction').length >= 2 && ofKind(evs, 'smtp_session').length >= 2 ? evs : null;
    });
    const tx = ofKind(phase1, 'smtp_transaction');
    assert.equal(tx.length, 2);
    assert.deepEqual(tx.map((t) => [t['mail_from'], t['rcpt_to'], t['status'], t['helo'], (t['message'] as Json)['subject']]).sort(), [
      ['alice@example.org', [`bob@${DOMAIN}`], 'accepted', 'client1.mailtap.test', 'run e2e 1'],
      ['carol@example.org', [`dave@${DOMAIN}`], 'accepted', 'client2.mailtap.test', 'run e2e 2'],
    ]);
    for (const t of tx) assert.equal(t['dst_port'], 25);
    for (const s of ofKind(phase1, 'smtp_session')) assert.equal(s['close'], 'fin');
    assert.equal(await poll('Prometheus to hold 2 accepted transactions', () => (promAccepted(ns) === 2 ? 2 : null)), 2);

    // --- rotation: rename, SIGHUP, one more message --------------------------------------------
    const rotated = `${evPath}.1`;
    renameSync(evPath, rotated);
    mailtap.child.kill('SIGHUP');
    await mailtap.waitLine((l) => l.includes('SIGHUP: events file reopened'), 'the reopen log line');
    swaks(ns, 3, 'erin@example.org', `frank@${DOMAIN}`);
    const phase2 = await poll('the third transaction in the new file', () => {
      const evs = events(evPath);
      return ofKind(evs, 'smtp_session').length >= 1 && ofKind(evs, 'smtp_transaction').length >= 1 ? evs : null;
    });
    assert.equal(statSync(evPath).uid, NOBODY_UID, 'the new file was created by the unprivileged daemon');
    assert.deepEqual(ofKind(phase2, 'smtp_transaction').map((t) => [t['mail_from'], t['rcpt_to']]), [['erin@example.org', [`frank@${DOMAIN}`]]]);
    const old = events(rotated);
    assert.equal(ofKind(old, 'smtp_transaction').length, 2, 'nothing new landed in the rotated file');
    assert.deepEqual(old, phase1, 'the rotated file holds exactly what was written before the rotation');
    const uids = new Set(old.map((e) => e['uid']));
    for (const e of phase2) assert.ok(!uids.has(e['uid']), 'no event written twice across the rotation');

    // --- an open session across SIGTERM --------------------------------------------------------
    const py = [
      'import socket, sys, time',
      's = socket.create_connection(("127.0.0.1", 25), timeout=20)',
      'f = s.makefile("rb")',
      'assert f.readline().startswith(b"220")',
      's.sendall(b"EHLO open-session.mailtap.test\\r\\n")',
      'while not f.readline().startswith(b"250 "): pass',
      'print("ready", flush=True)',
      'time.sleep(60)',
    ].join('\n');
    const open = startProc(['ip', 'netns', 'exec', ns.name, 'python3', '-c', py], 'stdout');
    procs.push(open);
    await open.waitLine((l) => l === 'ready', 'the open SMTP session');
    await new Promise((r) => setTimeout(r, 1000)); // let the capture and a worker see it
    mailtap.child.kill('SIGTERM');
    const code = await bounded(mailtap.exit, STEP_MS, 'mailtap to exit after SIGTERM');
    assert.equal(code, 0, mailtap.lines.join('\n'));
    assert.ok(mailtap.lines.some((l) => l.includes('"msg":"stopped"')), 'the stop is logged');
    const final = events(evPath);
    const shut = ofKind(final, 'smtp_session').filter((s) => s['close'] === 'shutdown');
    assert.equal(shut.length, 1, JSON.stringify(final));
    assert.equal(shut[0]!['helo'], 'open-session.mailtap.test');
    for (const e of final) assert.ok(typeof e['uid'] === 'string' && typeof e['time'] === 'string');
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    if (postfixUp) shRun(ns, work, 'postfix_stop');
    ns.destroy();
    rmSync(work, { recursive: true, force: true });
    if (staged !== undefined) rmSync(staged, { recursive: true, force: true });
  }
});
