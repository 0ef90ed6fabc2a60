// Worker entry for worker-killed.test.ts (not a test file): the real worker-main, except that the
// thread exits (as an OOM kill or a native crash would end it) on the FAULT_KILL_AT-th batch
// it receives, before parsing it, once per process: the first thread to get there creates the
// marker file FAULT_MARKER (holding its worker id) and dies; every later thread never does.
import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { WorkerInbound } from '../../../src/dispatch/types.js';

const killAt = Number(process.env['FAULT_KILL_AT'] ?? '0');
const marker = process.env['FAULT_MARKER'];

const port = parentPort;
let loaded = false;
let batches = 0;
let workerId = -1;
const early: WorkerInbound[] = [];

/** Runs before worker-main's listener (registered first), so the fatal batch is never parsed. */
function maybeDie(msg: WorkerInbound): void {
  if (msg.t === 'init') workerId = msg.workerId;
  if (msg.t !== 'batch' || marker === undefined || ++batches !== killAt) return;
  try {
    writeFileSync(marker, String(workerId), { flag: 'wx' });
  } catch {
    return; // another thread of this process died already
  }
  process.exit(1);
}

// Listening starts the port: what arrives while worker-main loads is kept and replayed in order.
port?.on('message', (msg: WorkerInbound) => {
  if (loaded) maybeDie(msg);
  else early.push(msg);
});
await import('../../../src/worker/worker-main.js');
loaded = true;
for (const msg of early) port?.emit('message', msg);
