import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkerPool } from '../../../src/dispatch/worker-pool.js';
import type { PoolEvents, WorkerPoolOptions } from '../../../src/dispatch/worker-pool.js';
import type { MetricDeltas } from '../../../src/dispatch/metric-deltas.js';
import type { FlowOpenInfo, FlowSummary } from '../../../src/flow/types.js';
import type { EventRecord } from '../../../src/records/types.js';
import { defaultConfig } from '../../../src/config/schema.js';
import { workerConfigOf } from '../../../src/cli/read-command.js';

const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const ECHO = new URL(`./echo-worker.${ext}`, import.meta.url);
const summary: FlowSummary = { startMicros: 0, endMicros: 1, bytesClient: 0, bytesServer: 0, gapBytes: 0, midstream: false, oneSided: null };

function info(flow: number): FlowOpenInfo {
  return {
    flow, uid: `C${flow}`, communityId: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
    client: { ip: '192.0.2.1', port: 1024 + flow }, server: { ip: '198.51.100.2', port: 25 }, vlan: [], midstream: false,
  };
}

interface Log {
  records: EventRecord[];
  deltas: MetricDeltas[];
  restarts: number[];
  fatal: Error[];
  unknown: number;
}

function makePool(over: Partial<WorkerPoolOptions> = {}): { pool: WorkerPool; log: Log } {
  const log: Log = { records: [], deltas: [], restarts: [], fatal: [], unknown: 0 };
  const events: PoolEvents = {
    onLines: (lines) => log.records.push(...lines.map((l) => JSON.parse(l) as EventRecord)),
    onDeltas: (d) => log.deltas.push(d),
    onWorkerRestart: (w) => log.restarts.push(w),
    onUnknownMessage: () => log.unknown++,
    onFatal: (e) => log.fatal.push(e),
  };
  const pool = new WorkerPool(
    { count: 3, queueBytes: 1 << 20, policy: 'wait', config: workerConfigOf(defaultConfig()), workerUrl: ECHO, shutdownTimeoutMs: 2000, ...over },
    events,
  );
  return { pool, log };
}

test('every flow reaches one worker in order; drain waits for all batches', async () => {
  const { pool, log } = makePool({ batch: { batchBytes: 64, maxEvents: 8 } });
  try {
    for (let f = 1; f <= 30; f++) pool.open(info(f), f);
    for (let round = 0; round < 5; round++) {
      for (let f = 1; f <= 30; f++) pool.data(f, 100 + round, round % 2 === 0 ? 'c2s' : 's2c', Buffer.alloc(f + round, 0x61));
    }
    for (let f = 1; f <= 30; f++) pool.close(f, 200, { reason: 'eof', summary });
    await pool.drain();
    assert.equal(log.records.length, 30);
    for (let f = 1; f <= 30; f++) {
      const r = log.records.find((x) => x.uid === `C${f}`);
      assert.ok(r !== undefined && r.event === 'anomaly');
      assert.equal(r.detail, String(5 * f + 10));
    }
    for (let i = 0; i < pool.size; i++) assert.equal(pool.queueBytes(i), 0);
    assert.ok(log.deltas.length > 0);
    assert.equal(log.unknown, 0);
  } finally {
    await pool.shutdown();
  }
});

test('batch sequence numbers: a close queued now is done only after its batch is processed', async () => {
  const { pool } = makePool({ count: 1 });
  try {
    pool.open(info(1), 1);
    const seq = pool.pendingSeqOf(1);
    pool.close(1, 2, { reason: 'fin', summary });
    assert.equal(pool.isDone(0, seq), false);
    await pool.drain();
    assert.equal(pool.isDone(0, seq), true);
    assert.equal(pool.isDone(0, seq + 1), false);
    assert.equal(pool.pendingSeqOf(1), seq + 1);
  } finally {
    await pool.shutdown();
  }
});

test('wait policy: over the budget the source is made to wait until workers catch up', async () => {
  const { pool } = makePool({ count: 1, queueBytes: 1000 });
  try {
    pool.open(info(1), 0);
    assert.equal(pool.waitForCapacity(), undefined);
    pool.data(1, 1, 'c2s', Buffer.from('SLOW150'));
    pool.data(1, 1, 'c2s', Buffer.alloc(1000));
    const p = pool.waitForCapacity();
    assert.ok(p instanceof Promise, 'over budget: a promise');
    assert.ok(pool.queueBytes(0) > 1000);
    await p;
    assert.ok(pool.queueBytes(0) <= 1000);
  } finally {
    await pool.shutdown();
  }
});

test('drop policy: beyond the budget data becomes a gap plus flow_worker_backlog, counted', async () => {
  const { pool, log } = makePool({ count: 1, queueBytes: 1000, policy: 'drop' });
  try {
    // The open batch counts: 48 descriptor bytes per event plus the payload.
    pool.open(info(1), 0);
    assert.equal(pool.data(1, 1, 'c2s', Buffer.alloc(500, 0x61)), true);
    assert.equal(pool.queueBytes(0), 48 + 500 + 48);
    assert.equal(pool.data(1, 2, 'c2s', Buffer.alloc(1000 - 596, 0x61)), true); // exactly at the budget
    assert.equal(pool.data(1, 3, 'c2s', Buffer.alloc(1, 0x61)), false); // one past
    assert.equal(pool.backlogDroppedBytes, 1);
    pool.close(1, 4, { reason: 'eof', summary });
    await pool.drain();
    const names = log.records.map((r) => (r.event === 'anomaly' ? r.name : r.event));
    assert.deepEqual(names, ['flow_worker_backlog', 'flow_gap']);
  } finally {
    await pool.shutdown();
  }
});

test('a worker that dies is restarted and reported; the pool keeps working', async () => {
  const { pool, log } = makePool({ count: 1 });
  try {
    pool.open(info(1), 0);
    pool.data(1, 1, 'c2s', Buffer.from('CRASH'));
    await pool.drain();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(log.restarts, [0]);
    assert.equal(pool.restarts, 1);
    pool.open(info(2), 5);
    pool.data(2, 6, 'c2s', Buffer.from('abc'));
    pool.close(2, 7, { reason: 'fin', summary });
    await pool.drain();
    assert.deepEqual(log.records.map((r) => r.uid), ['C2']);
    assert.equal(log.fatal.length, 0);
  } finally {
    await pool.shutdown();
  }
});

test('a crash loop past maxRestarts is fatal, and waiters are released', async () => {
  const { pool, log } = makePool({ count: 1, maxRestarts: 1 });
  try {
    for (let i = 0; i < 2; i++) {
      pool.open(info(i), 0);
      pool.data(i, 1, 'c2s', Buffer.from('CRASH'));
      await pool.drain();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(log.restarts.length, 1);
    assert.equal(log.fatal.length, 1);
    assert.equal(pool.waitForCapacity(), undefined);
  } finally {
    await pool.shutdown();
  }
});
