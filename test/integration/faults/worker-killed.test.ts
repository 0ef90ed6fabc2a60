// Issue 8, faults: a worker thread dies in the middle of `mailtap read --workers 2` (runRead, the
// function the CLI calls, with a test worker entry that exits on its Nth batch) on a generated
// capture with many interleaved sessions. Compared with a clean run of the same capture: the
// worker is restarted and counted, exactly the connections it held open are reported with
// `flow_worker_restarted` (and nothing more about them), every other connection's events are
// identical, and no event is written twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRead } from '../../../src/cli/read-command.js';
import { defaultConfig } from '../../../src/config/schema.js';
import { routeFlow } from '../../../src/dispatch/router.js';
import { flowIdOfUid, uidPrefix } from '../../../src/flow/uid.js';
import type { Metrics } from '../../../src/output/metrics.js';
import { SHARED } from '../../helpers/paths.js';
import { logSink } from '../../helpers/log-sink.js';

type Json = Record<string, unknown>;

const GENERATOR = join(SHARED, 'tools', 'gen-smtp-pcap.py');
const WORKERS = 2;
/** The dying worker's batch number: well inside the capture, with many sessions open and many
 * already written. Since a close waits flows.reorder_window_ms of packet time (issue 13 item 9),
 * sessions are written later: at batch 6 the dead worker had finished none; at 16 about half. */
const KILL_AT = 16;

const dir = mkdtempSync(join(tmpdir(), 'mailtap-fault-kill-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function read(pcap: string, events: string, workerUrl?: URL): Promise<{ code: number; lines: Json[]; restarts: number }> {
  const c = defaultConfig();
  c.workers.count = WORKERS;
  // The clean and the crash run are compared by uid: the same seed gives both the same uids.
  c.output.uid_seed = 'worker-killed';
  const { log, lines } = logSink();
  let metrics: Metrics | null = null;
  const code = await runRead({ config: c, files: [pcap], events, workers: WORKERS, log, ...(workerUrl === undefined ? {} : { workerUrl }), onMetrics: (m) => (metrics = m) });
  assert.ok(metrics !== null);
  const got = await (metrics as Metrics).counter('worker_restarts_total').get();
  return { code, lines, restarts: got.values[0]?.value ?? 0 };
}

/** Events by uid in written order, `time` (wall clock) removed. */
function byUid(path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as Json;
    delete e['time'];
    const uid = String(e['uid']);
    const list = out.get(uid) ?? [];
    list.push(JSON.stringify(e));
    out.set(uid, list);
  }
  return out;
}

/** No event twice: one session per uid, one transaction per (uid, trans_depth), one restart anomaly per uid. */
function assertNoDuplicates(events: Map<string, string[]>, label: string): void {
  for (const [uid, list] of events) {
    const keys = new Set<string>();
    for (const s of list) {
      const e = JSON.parse(s) as Json;
      if (e['event'] === 'anomaly' && e['name'] !== 'flow_worker_restarted') continue;
      const key = `${String(e['event'])}:${String(e['trans_depth'] ?? e['name'] ?? '')}`;
      assert.ok(!keys.has(key), `${label}: ${uid} has ${key} twice`);
      keys.add(key);
    }
  }
}

test('a worker killed mid-stream: restarted, exactly its open connections reported, the rest unchanged, nothing twice', { timeout: 300_000 }, async (t) => {
  const pcap = join(dir, 'many.pcap');
  execFileSync('python3', [GENERATOR, '-q', '-o', pcap, '--seed', '8', '--sessions', '120', '--concurrency', '30', '--attach-kb', '40'], { timeout: 120_000 });
  const prefix = uidPrefix('worker-killed');
  const workerOf = (uid: string): number => {
    assert.ok(uid.startsWith(`C${prefix}`), uid);
    return routeFlow(flowIdOfUid(uid), WORKERS);
  };

  const cleanPath = join(dir, 'clean.ndjson');
  const clean = await read(pcap, cleanPath);
  assert.equal(clean.code, 0);
  assert.equal(clean.restarts, 0);
  const want = byUid(cleanPath);
  assertNoDuplicates(want, 'clean run');
  assert.ok(want.size >= 100, `sessions in the clean run: ${want.size}`);

  const marker = join(dir, 'killed');
  process.env['FAULT_KILL_AT'] = String(KILL_AT);
  process.env['FAULT_MARKER'] = marker;
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const crashPath = join(dir, 'crash.ndjson');
  let crash: Awaited<ReturnType<typeof read>>;
  try {
    crash = await read(pcap, crashPath, new URL(`./kill-worker.${ext}`, import.meta.url));
  } finally {
    delete process.env['FAULT_KILL_AT'];
    delete process.env['FAULT_MARKER'];
  }
  assert.equal(crash.code, 0, 'the read finished normally');
  assert.ok(existsSync(marker), 'a worker was killed');
  const dead = Number(readFileSync(marker, 'utf8'));
  assert.equal(crash.restarts, 1, 'mailtap_worker_restarts_total');
  assert.ok(crash.lines.some((l) => l['level'] === 40 && l['worker'] === dead && /died and was restarted/.test(String(l['msg']))), 'the restart is on the operator log');
  const got = byUid(crashPath);
  assertNoDuplicates(got, 'crash run');

  let lost = 0;
  let keptOnDead = 0;
  for (const uid of got.keys()) assert.ok(want.has(uid), `${uid} exists in the clean run`);
  for (const [uid, expected] of want) {
    const actual = got.get(uid) ?? [];
    const restarted = actual.filter((s) => (JSON.parse(s) as Json)['name'] === 'flow_worker_restarted');
    if (restarted.length === 0) {
      assert.deepEqual(actual, expected, `${uid} (worker ${workerOf(uid)}) is unchanged`);
      if (workerOf(uid) === dead) keptOnDead++;
      continue;
    }
    lost++;
    assert.equal(workerOf(uid), dead, `${uid}: only connections of the dead worker are reported`);
    assert.equal(restarted.length, 1);
    assert.equal((JSON.parse(restarted[0]!) as Json)['detail'], `worker ${dead} restarted`);
    const rest = actual.filter((s) => !restarted.includes(s));
    assert.ok(!rest.some((s) => (JSON.parse(s) as Json)['event'] === 'smtp_session'), `${uid}: no session event for a connection lost mid-stream`);
    assert.deepEqual(rest, expected.slice(0, rest.length), `${uid}: what was written before the crash is what a clean run writes`);
    assert.ok(expected.some((s) => (JSON.parse(s) as Json)['event'] === 'smtp_session'), `${uid} was complete in the clean run`);
  }
  t.diagnostic(`worker ${dead} killed at its batch ${KILL_AT}: ${lost} connections reported lost, ${keptOnDead} of its others whole, ${want.size} in all`);
  assert.ok(lost > 0, 'the dead worker had connections in flight');
  assert.ok(keptOnDead > 0, 'connections the dead worker finished before dying are kept whole');
});
