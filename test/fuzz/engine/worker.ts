// Worker-thread entry of one fuzz run (or of one replay of a suspected hang): loads the target,
// runs the loop, and publishes every input into shared memory before executing it, so the main
// thread's watchdog can save an input that never returns after terminating this thread.
// Posts the FuzzResult (fuzz) or the time the input took (replay).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { fuzz, timeRun } from './fuzzer.js';
import { isAnyTargetName, loadTarget } from '../targets/index.js';
import type { WorkerJob } from './run.js';

const job = workerData as WorkerJob;
const header = new Int32Array(job.shared, 0, 2);
const bytes = new Uint8Array(job.shared, 8);

function publish(input: Buffer): void {
  const n = Math.min(input.length, bytes.length);
  bytes.set(input.subarray(0, n));
  Atomics.store(header, 1, n);
  Atomics.add(header, 0, 1);
}

if (!isAnyTargetName(job.target)) throw new Error(`unknown fuzz target ${job.target}`);
const target = await loadTarget(job.target);
if (job.replay !== undefined) {
  const input = Buffer.from(job.replay);
  publish(input);
  parentPort?.postMessage({ replayMs: timeRun(target, input) });
} else {
  const extraSeeds = job.corpusDir === undefined ? [] : readdirSync(job.corpusDir).sort().map((f) => readFileSync(join(job.corpusDir!, f)));
  parentPort?.postMessage(fuzz(target, { seed: job.seed, seconds: job.seconds, slowMs: job.slowMs, onInput: publish, extraSeeds }));
}
