// The coverage-guided fuzz loop: runs the seeds, then mutates corpus entries and keeps every
// input that reaches a new (block, hit-count bucket) feature. Exceptions and inputs slower than
// the hang bound are findings. Owns the corpus and the seen-feature set of one run; reports
// FuzzStats and findings. The caller may publish each input before it runs (the hang watchdog).
import { CoverageFeedback } from './coverage.js';
import { mutate } from './mutate.js';
import type { MutationContext } from './mutate.js';
import { Rng } from './rng.js';
import type { FuzzTarget } from './target.js';

export interface Finding {
  kind: 'crash' | 'slow' | 'hang';
  /** First line of the error, or the time taken. */
  message: string;
  stack: string;
  input: Buffer;
}

export interface FuzzStats {
  target: string;
  seed: number;
  execs: number;
  seconds: number;
  corpus: number;
  features: number;
  blocks: number;
  /** Execution time per input: p50 and max, milliseconds. */
  p50Ms: number;
  maxMs: number;
}

export interface FuzzOptions {
  seed: number;
  seconds: number;
  /** An input taking longer than this is a `slow` finding (the in-thread half of the hang detector). */
  slowMs: number;
  /** Stop after this many distinct findings (default 1, as libFuzzer stops at the first crash). */
  maxFindings?: number;
  /** Called with each input just before it runs. */
  onInput?: (input: Buffer) => void;
  /** Inputs run after the target's seeds (a corpus kept from earlier runs). */
  extraSeeds?: readonly Buffer[];
}

export interface FuzzResult {
  stats: FuzzStats;
  findings: Finding[];
  /** Inputs that reached new coverage (seeds included). */
  corpus: Buffer[];
}

function crashKey(err: unknown): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const frame = (e.stack ?? '').split('\n').find((l) => l.includes('/src/')) ?? '';
  return `${e.name}: ${e.message.split('\n')[0]} @ ${frame.trim()}`;
}

/** Milliseconds one run of `input` takes (exceptions are the caller's concern). */
export function timeRun(target: FuzzTarget, input: Buffer): number {
  const t0 = performance.now();
  try {
    target.run(input);
  } catch {
    // Timing only.
  }
  return performance.now() - t0;
}

export function fuzz(target: FuzzTarget, opts: FuzzOptions): FuzzResult {
  const rng = new Rng(opts.seed);
  const cov = new CoverageFeedback((url) => !url.includes('node_modules') && target.coverage.some((c) => url.includes(c)));
  const seen = new Set<number>();
  const corpus: Buffer[] = [];
  const findings: Finding[] = [];
  const crashKeys = new Set<string>();
  const maxFindings = opts.maxFindings ?? 1;
  const times: number[] = [];
  const features: number[] = [];
  const ctx: MutationContext = { rng, corpus, dictionary: target.dictionary.map((d) => Buffer.from(d, 'latin1')), maxLen: target.maxLen };
  let execs = 0;
  let maxMs = 0;

  const exec = (input: Buffer): void => {
    opts.onInput?.(input);
    const t0 = performance.now();
    let failure: unknown = null;
    try {
      target.run(input);
    } catch (err) {
      failure = err;
    }
    const ms = performance.now() - t0;
    execs++;
    if (ms > maxMs) maxMs = ms;
    if (times.length < 100_000) times.push(ms);
    cov.collect(features);
    let fresh = false;
    for (const f of features) {
      if (!seen.has(f)) {
        seen.add(f);
        fresh = true;
      }
    }
    if (failure !== null) {
      const key = crashKey(failure);
      if (!crashKeys.has(key)) {
        crashKeys.add(key);
        const e = failure instanceof Error ? failure : new Error(String(failure));
        findings.push({ kind: 'crash', message: key, stack: e.stack ?? '', input: Buffer.from(input) });
      }
      return;
    }
    if (ms > opts.slowMs) {
      // A loaded machine can stall any input: only the fastest of three more runs counts.
      const best = Math.min(ms, timeRun(target, input), timeRun(target, input), timeRun(target, input));
      if (best > opts.slowMs) findings.push({ kind: 'slow', message: `${best.toFixed(0)} ms`, stack: '', input: Buffer.from(input) });
    }
    if (fresh) corpus.push(Buffer.from(input));
  };

  const seeds = [...target.seeds(), ...(opts.extraSeeds ?? [])];
  const start = performance.now();
  const deadline = start + opts.seconds * 1000;
  cov.start();
  try {
    cov.reset();
    for (const s of seeds) {
      exec(s.length > target.maxLen ? s.subarray(0, target.maxLen) : s);
      if (performance.now() > deadline) break;
    }
    if (corpus.length === 0) corpus.push(Buffer.alloc(0));
    while (findings.length < maxFindings) {
      if ((execs & 15) === 0 && performance.now() > deadline) break;
      // Favour recent entries a little: they hold the newest coverage.
      const pick = rng.oneIn(2) ? corpus[corpus.length - 1 - rng.below(Math.min(corpus.length, 16))]! : rng.pick(corpus);
      exec(mutate(ctx, pick));
    }
  } finally {
    cov.stop();
  }
  const seconds = (performance.now() - start) / 1000;
  times.sort((a, b) => a - b);
  return {
    stats: {
      target: target.name,
      seed: opts.seed,
      execs,
      seconds,
      corpus: corpus.length,
      features: seen.size,
      blocks: cov.blocks,
      p50Ms: times[times.length >> 1] ?? 0,
      maxMs,
    },
    findings,
    corpus,
  };
}
