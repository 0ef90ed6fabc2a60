// Worker entry for run-command.test.ts (not a test file): the real worker-main, except that the
// first batch whose bytes contain the text in MAILTAP_TEST_CRASH_ON kills the thread, once per
// process (the marker file MAILTAP_TEST_CRASH_MARKER survives the restart; thread state does not),
// and one containing MAILTAP_TEST_HANG_ON blocks the thread until it is terminated.
import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { WorkerInbound } from '../../../src/dispatch/types.js';

const needle = process.env['MAILTAP_TEST_CRASH_ON'];
const marker = process.env['MAILTAP_TEST_CRASH_MARKER'];
const hang = process.env['MAILTAP_TEST_HANG_ON'];
/** Longest a hang lasts if nobody terminates the thread. */
const HANG_MS = 60_000;

const port = parentPort;
let loaded = false;
const early: WorkerInbound[] = [];

/** Runs before worker-main's listener (registered first), so the batch is never parsed. */
function maybeCrash(msg: WorkerInbound): void {
  if (msg.t !== 'batch') return;
  if (hang !== undefined && Buffer.from(msg.payload).includes(hang)) {
    const until = Date.now() + HANG_MS;
    while (Date.now() < until); // a parser stuck in a loop
  }
  if (needle === undefined || marker === undefined || !Buffer.from(msg.payload).includes(needle)) return;
  try {
    writeFileSync(marker, 'crashed\n', { flag: 'wx' });
  } catch {
    return; // crashed once already
  }
  process.exit(1);
}

// Listening starts the port: what arrives while worker-main loads is kept and replayed in order.
port?.on('message', (msg: WorkerInbound) => {
  if (loaded) maybeCrash(msg);
  else early.push(msg);
});
await import('../../../src/worker/worker-main.js');
loaded = true;
for (const msg of early) port?.emit('message', msg);
