// Issue 8, privileges: `mailtap run` with the shipped defaults plus `privileges: nobody/nogroup`,
// inside a network namespace of its own that also has a non-loopback address (on a veth pair).
// After the capture opens every thread of the process (main, workers, libuv) runs as nobody with
// no capabilities left, and /metrics listens on loopback only: reachable on 127.0.0.1, refused on
// the other address. Needs root (CI runs it so); nothing is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { defaultConfig } from '../../../src/config/schema.js';
import { createNetns, requireRootAndTools } from '../../helpers/netns.js';
import type { Netns } from '../../helpers/netns.js';
import { REPO_ROOT } from '../../helpers/paths.js';
import { MAIN } from '../../helpers/run-cli.js';
import { readableBy } from '../../helpers/stage-app.js';

const NOBODY = 65534;
const OTHER_ADDR = '10.213.0.1';
const STEP_MS = 30_000;

/** The host part of host:port ([v6]:port too). */
function hostOf(listen: string): string {
  const m = /^\[([^\]]+)\]:\d+$/.exec(listen) ?? /^([^:]+):\d+$/.exec(listen);
  assert.ok(m !== null, listen);
  return m[1]!;
}

test('the metrics endpoint defaults to loopback: in the schema, the shipped config and an empty config', () => {
  const isLoopback = (h: string): boolean => h === '127.0.0.1' || h === '::1' || h === 'localhost';
  assert.ok(isLoopback(hostOf(defaultConfig().metrics.listen)), defaultConfig().metrics.listen);
  const shipped = join(REPO_ROOT, 'config', 'mailtap.yaml');
  const yaml = parseYaml(readFileSync(shipped, 'utf8')) as { metrics?: { listen?: string } };
  assert.ok(yaml.metrics?.listen !== undefined && isLoopback(hostOf(yaml.metrics.listen)), 'config/mailtap.yaml keeps metrics on loopback');
  assert.ok(isLoopback(hostOf(loadConfig({ path: shipped, env: {} }).metrics.listen)));
  assert.ok(isLoopback(hostOf(loadConfig({ env: {} }).metrics.listen)));
});

function httpStatus(ns: Netns, url: string): number {
  const js = 'fetch(process.argv[1]).then((r) => process.stdout.write(String(r.status)), () => process.stdout.write("0"))';
  const r = ns.exec([process.execPath, '-e', js, url], 10_000);
  return Number(r.stdout || '0');
}

/** Uid, Gid and CapEff lines of every thread of `pid`. */
function threadIds(pid: number): { tid: string; uid: string; gid: string; capEff: string }[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const s = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const field = (k: string): string => (new RegExp(`^${k}:\\s+(.*)$`, 'm').exec(s)?.[1] ?? '').trim();
    return { tid, uid: field('Uid'), gid: field('Gid'), capEff: field('CapEff') };
  });
}

test('mailtap run: every thread runs as nobody after the capture opens; /metrics is not reachable off loopback', { timeout: 120_000 }, async () => {
  requireRootAndTools(['ip', 'ss']);
  assert.ok(readableBy('nobody', 'nogroup', MAIN), `${MAIN} must be readable by nobody (the daemon loads workers after the switch)`);
  const ns = createNetns('mailtap-priv');
  const work = mkdtempSync(join(tmpdir(), 'mailtap-priv-'));
  let child: ReturnType<typeof spawn> | null = null;
  try {
    for (const argv of [['ip', 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1'], ['ip', 'addr', 'add', `${OTHER_ADDR}/24`, 'dev', 'v0'], ['ip', 'link', 'set', 'v0', 'up'], ['ip', 'link', 'set', 'v1', 'up']]) {
      const r = ns.exec(argv);
      assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
    }
    const evDir = join(work, 'events');
    mkdirSync(evDir, { mode: 0o755 });
    chownSync(evDir, NOBODY, NOBODY);
    const cfg = join(work, 'mailtap.yaml');
    writeFileSync(cfg, 'privileges:\n  user: nobody\n  group: nogroup\nworkers:\n  shutdown_timeout_s: 10\n'); // metrics: the default
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
    const proc = spawn('ip', ['netns', 'exec', ns.name, process.execPath, ...execArgv, MAIN, 'run', '--config', cfg, '--interface', 'lo', '--events', join(evDir, 'events.ndjson'), '--workers', '2'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => proc.once('close', (code) => resolve(code)));
    const end = Date.now() + STEP_MS;
    while (!stderr.includes('"capturing on lo"')) {
      assert.ok(Date.now() < end && proc.exitCode === null, `mailtap run did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500)); // the worker threads are up

    const threads = threadIds(proc.pid!);
    assert.ok(threads.length >= 3, `main and worker threads: ${threads.length}`);
    for (const t of threads) {
      assert.equal(t.uid, `${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`, `thread ${t.tid}: real, effective, saved and fs uid`);
      assert.match(t.gid, /^(\d+)\t\1\t\1\t\1$/, `thread ${t.tid}: one gid`);
      assert.notEqual(t.gid.split('\t')[0], '0', `thread ${t.tid}: not group root`);
      assert.equal(BigInt(`0x${t.capEff}`), 0n, `thread ${t.tid}: no effective capability left`);
    }

    const listening = ns.exec(['ss', '-ltnH']).stdout.trim().split('\n').filter((l) => l !== '').map((l) => l.trim().split(/\s+/)[3]);
    assert.deepEqual(listening, ['127.0.0.1:9469'], 'the only listening socket is loopback');
    assert.equal(httpStatus(ns, 'http://127.0.0.1:9469/healthz'), 200);
    assert.equal(httpStatus(ns, `http://${OTHER_ADDR}:9469/healthz`), 0, 'refused on the non-loopback address');

    proc.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child !== null && child.exitCode === null) child.kill('SIGKILL');
    ns.destroy();
    rmSync(work, { recursive: true, force: true });
  }
});
