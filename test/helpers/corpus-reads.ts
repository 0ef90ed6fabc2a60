// The corpus expectation table (MANIFEST.md: expectation file → capture) and a shared cache of
// `mailtap read` runs, one per capture and a few at a time, for tests comparing our events with
// other tools' baselines. Owns the cache for the life of the test process.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from './paths.js';
import { ndjson, runCli } from './run-cli.js';

export const CORPUS = fixture('corpus');

export interface Expectation {
  /** Path under test/fixtures/corpus/ of the expectation file. */
  expectation: string;
  /** Path under test/fixtures/corpus/ of the capture it describes. */
  capture: string;
}

/** Rows of MANIFEST.md's expectation table. */
export function manifestExpectations(): Expectation[] {
  const out: Expectation[] = [];
  for (const line of readFileSync(join(CORPUS, 'MANIFEST.md'), 'utf8').split('\n')) {
    const m = /^\| `([^`]+)` \| [^|]+ \| `([^`]+)` \|$/.exec(line);
    if (m !== null) out.push({ expectation: m[1]!, capture: m[2]! });
  }
  return out;
}

const reads = new Map<string, Promise<Record<string, unknown>[]>>();
let active = 0;
const waiting: (() => void)[] = [];
/** Concurrent CLI processes: each spends most of its time starting up (tsx), so a few overlap well. */
const PARALLEL = 4;

async function readCapture(capture: string): Promise<Record<string, unknown>[]> {
  while (active >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    const r = await runCli(['read', '--workers', '1', join(CORPUS, capture)]);
    assert.equal(r.code, 0, `${capture}: ${r.stderr}`);
    return ndjson(r.stdout);
  } finally {
    active--;
    waiting.shift()?.();
  }
}

/** The events of `mailtap read <capture>` (capture relative to the corpus folder), read once. */
export function corpusEvents(capture: string): Promise<Record<string, unknown>[]> {
  let p = reads.get(capture);
  if (p === undefined) {
    p = readCapture(capture);
    // A failure is reported by the test awaiting it, not as an unhandled rejection.
    p.catch(() => undefined);
    reads.set(capture, p);
  }
  return p;
}
