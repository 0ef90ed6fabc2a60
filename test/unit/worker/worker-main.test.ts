import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { defaultWorkerUrl, startWorker } from '../../../src/dispatch/worker-pool.js';
import { Batcher } from '../../../src/dispatch/batcher.js';
import { transferListOf } from '../../../src/dispatch/batch-codec.js';
import { deltaOf } from '../../../src/dispatch/metric-deltas.js';
import type { BatchMessage, WorkerInbound, WorkerOutbound } from '../../../src/dispatch/types.js';
import { workerConfigOf } from '../../../src/cli/read-command.js';
import { defaultConfig } from '../../../src/config/schema.js';
import type { FlowOpenInfo, FlowSummary } from '../../../src/flow/types.js';
import type { EventRecord } from '../../../src/records/types.js';

const info: FlowOpenInfo = {
  flow: 42, uid: 'C42', communityId: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
  client: { ip: '192.0.2.10', port: 1470 }, server: { ip: '198.51.100.25', port: 25 }, vlan: [12], midstream: false,
};
const summary: FlowSummary = { startMicros: 1_000_000, endMicros: 3_000_000, bytesClient: 10, bytesServer: 20, gapBytes: 0, midstream: false, oneSided: null };

/** A real worker-main thread and the messages it sends back. */
function spawn(): { w: Worker; next: () => Promise<WorkerOutbound>; exited: Promise<number> } {
  const w = startWorker(defaultWorkerUrl(), 'test-worker');
  const queue: WorkerOutbound[] = [];
  const waiting: ((m: WorkerOutbound) => void)[] = [];
  w.on('message', (m: WorkerOutbound) => {
    const r = waiting.shift();
    if (r !== undefined) r(m);
    else queue.push(m);
  });
  const exited = new Promise<number>((resolve) => w.once('exit', resolve));
  const next = (): Promise<WorkerOutbound> => {
    const m = queue.shift();
    return m !== undefined ? Promise.resolve(m) : new Promise((resolve) => waiting.push(resolve));
  };
  return { w, next, exited };
}

function batchOf(fill: (b: Batcher) => void): BatchMessage {
  const b = new Batcher({ batchBytes: 4096, maxEvents: 64 }, () => assert.fail('unexpected full batch'));
  fill(b);
  const m = b.take();
  assert.ok(m !== null);
  return m;
}

test('init, a batch with a whole SMTP session, then shutdown with the last deltas', async () => {
  const { w, next, exited } = spawn();
  const init: WorkerInbound = { t: 'init', v: 1, workerId: 3, config: workerConfigOf(defaultConfig()) };
  w.postMessage(init);
  assert.deepEqual(await next(), { t: 'ready', v: 1, workerId: 3 });
  // Messages of unknown type or version are dropped, not fatal.
  w.postMessage({ t: 'bogus', v: 1 });
  w.postMessage({ t: 'batch', v: 99 });
  w.postMessage('not an object');
  const lines: ['c2s' | 's2c', string][] = [
    ['s2c', '220 mx ESMTP\r\n'], ['c2s', 'HELO c\r\n'], ['s2c', '250 mx\r\n'],
    ['c2s', 'MAIL FROM:<a@example.com>\r\n'], ['s2c', '250 ok\r\n'], ['c2s', 'RCPT TO:<b@example.net>\r\n'], ['s2c', '250 ok\r\n'],
    ['c2s', 'DATA\r\n'], ['s2c', '354 go\r\n'], ['c2s', 'Subject: hello\r\n\r\nbody\r\n.\r\n'], ['s2c', '250 queued\r\n'],
    ['c2s', 'QUIT\r\n'], ['s2c', '221 bye\r\n'],
  ];
  const msg = batchOf((b) => {
    b.addOpen(info, 1_000_000);
    let ts = 1_000_001;
    for (const [dir, text] of lines) b.addData(42, ts++, dir, Buffer.from(text));
    b.addClose(42, 3_000_000, { reason: 'fin', summary });
  });
  const bytes = msg.bytes;
  w.postMessage(msg, transferListOf(msg));
  const done = await next();
  assert.ok(done.t === 'batch_done');
  assert.equal(done.seq, 0);
  assert.equal(done.bytes, bytes);
  assert.deepEqual(done.events, ['smtp_transaction', 'smtp_session']);
  const records = done.lines.map((l) => JSON.parse(l) as EventRecord);
  assert.deepEqual(records.map((r) => r.event), done.events);
  const t = records[0]!;
  assert.ok(t.event === 'smtp_transaction');
  assert.equal(t.uid, 'C42');
  assert.deepEqual(t.vlan, [12]);
  assert.equal(t.message?.subject, 'hello');
  assert.ok(done.deltas !== null);
  assert.equal(deltaOf(done.deltas, 'smtp_commands_total', 'MAIL'), 1);
  w.postMessage({ t: 'shutdown', v: 1 } satisfies WorkerInbound);
  const bye = await next();
  assert.ok(bye.t === 'bye');
  assert.equal(bye.droppedMessages, 3);
  assert.equal(await exited, 0);
});

test('an invalid init is answered with fatal, and batches before init are dropped', async () => {
  const { w, next } = spawn();
  w.postMessage({ t: 'init', v: 1, workerId: 0, config: { limits: { line_length: 'x' } } });
  const m = await next();
  assert.ok(m.t === 'fatal');
  assert.match(m.message, /invalid init/);
  const batch = batchOf((b) => b.addGap(1, 1, 'c2s', 5));
  w.postMessage(batch, transferListOf(batch));
  w.postMessage({ t: 'shutdown', v: 1 } satisfies WorkerInbound);
  const bye = await next();
  assert.ok(bye.t === 'bye');
  assert.equal(bye.droppedMessages, 1);
});
