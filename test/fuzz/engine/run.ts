// Runs one fuzz target in worker threads under a watchdog. When a worker's execution counter stops
// moving for hangMs, the input it published is replayed alone in a fresh worker: if that one does
// not finish within REPLAY_FACTOR x hangMs either, it is a `hang` finding (V8 can stop a thread
// stuck in a loop; a same-thread timer cannot); if it finishes, the stall was the machine (a
// loaded CI box) and fuzzing resumes with the next seed for the remaining time. Works from tsx
// (the worker registers tsx itself) and from dist/ (plain .js).
import { Worker } from 'node:worker_threads';
import type { Finding, FuzzResult, FuzzStats } from './fuzzer.js';

export interface WorkerJob {
  target: string;
  seed: number;
  seconds: number;
  slowMs: number;
  shared: SharedArrayBuffer;
  /** A directory of earlier corpus entries to start from (scripts/fuzz.sh). */
  corpusDir?: string;
  /** Replay this one input instead of fuzzing. */
  replay?: Uint8Array;
}

export interface RunOptions {
  seed: number;
  seconds: number;
  /** No progress for this long is a suspected hang (issue 8: 2 s per input). */
  hangMs?: number;
  corpusDir?: string;
}

const SHARED_INPUT_BYTES = 1 << 20;
const POLL_MS = 100;
const REPLAY_FACTOR = 5;

type Outcome = { done: FuzzResult } | { replayMs: number } | { stalled: Buffer; execs: number };

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.length);
}

function bootScript(): string {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(ts ? './worker.ts' : './worker.js', import.meta.url).href;
  if (!ts) return `import(${JSON.stringify(entry)});`;
  const api = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

/** One worker under the watchdog: its result, or the input it stalled on. */
function watch(job: Omit<WorkerJob, 'shared'>, stallMs: number): Promise<Outcome> {
  const shared = new SharedArrayBuffer(8 + SHARED_INPUT_BYTES);
  const header = new Int32Array(shared, 0, 2);
  const worker = new Worker(bootScript(), { eval: true, workerData: { ...job, shared } });
  return new Promise((resolve, reject) => {
    let lastCount = 0;
    let lastChange = performance.now();
    let settled = false;
    const finish = (r: Outcome | Error): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      void worker.terminate();
      if (r instanceof Error) reject(r);
      else resolve(r);
    };
    const timer = setInterval(() => {
      const count = Atomics.load(header, 0);
      const now = performance.now();
      if (count !== lastCount || count === 0) {
        // Armed from the first execution: loading seeds is not an input.
        lastCount = count;
        lastChange = now;
        return;
      }
      if (now - lastChange < stallMs) return;
      finish({ stalled: Buffer.from(new Uint8Array(shared, 8, Atomics.load(header, 1))), execs: count });
    }, POLL_MS);
    worker.on('message', (m: FuzzResult | { replayMs: number }) => {
      if ('replayMs' in m) {
        finish(m);
        return;
      }
      finish({ done: { stats: m.stats, findings: m.findings.map((f) => ({ ...f, input: toBuffer(f.input) })), corpus: m.corpus.map(toBuffer) } });
    });
    worker.on('error', (err) => finish(err));
    worker.on('exit', (code) => finish(new Error(`fuzz worker for ${job.target} exited with code ${code} before reporting`)));
  });
}

function merge(into: FuzzResult, r: FuzzResult): void {
  const a = into.stats;
  const b: FuzzStats = r.stats;
  a.execs += b.execs;
  a.seconds += b.seconds;
  a.corpus = Math.max(a.corpus, b.corpus);
  a.features = Math.max(a.features, b.features);
  a.blocks = Math.max(a.blocks, b.blocks);
  a.p50Ms = Math.max(a.p50Ms, b.p50Ms);
  a.maxMs = Math.max(a.maxMs, b.maxMs);
  into.findings.push(...r.findings);
  into.corpus.push(...r.corpus);
}

export async function runTarget(target: string, opts: RunOptions): Promise<FuzzResult> {
  const hangMs = opts.hangMs ?? 2000;
  const total: FuzzResult = {
    stats: { target, seed: opts.seed, execs: 0, seconds: 0, corpus: 0, features: 0, blocks: 0, p50Ms: 0, maxMs: 0 },
    findings: [],
    corpus: [],
  };
  const start = performance.now();
  for (let round = 0; ; round++) {
    const left = opts.seconds - (performance.now() - start) / 1000;
    if (left <= 0 || total.findings.length > 0) return total;
    const job: Omit<WorkerJob, 'shared'> = { target, seed: opts.seed + round, seconds: left, slowMs: hangMs };
    if (opts.corpusDir !== undefined) job.corpusDir = opts.corpusDir;
    const out = await watch(job, hangMs);
    if ('done' in out) {
      merge(total, out.done);
      return total;
    }
    if (!('stalled' in out)) return total;
    total.stats.execs += out.execs;
    const replay = await watch({ target, seed: 0, seconds: 0, slowMs: hangMs, replay: out.stalled }, hangMs * REPLAY_FACTOR);
    if ('stalled' in replay) {
      const hang: Finding = { kind: 'hang', message: `no progress for ${hangMs} ms, nor for ${hangMs * REPLAY_FACTOR} ms alone`, stack: '', input: out.stalled };
      total.findings.push(hang);
    } else if ('replayMs' in replay && replay.replayMs > hangMs) {
      total.findings.push({ kind: 'slow', message: `${replay.replayMs.toFixed(0)} ms alone`, stack: '', input: out.stalled });
    }
    // Otherwise the stall was the machine's: go on with the next seed.
  }
}
