// Golden files: the case table (test/golden/cases.json: case name → capture under test/fixtures),
// the canonical form of `mailtap read` output (no `time`, connections sorted by uid, each
// connection's events in the order written) and a readable first-difference report.
// Shared by test/integration/golden.test.ts and the regeneration script; owns no state.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO_ROOT } from '../helpers/paths.js';

export const GOLDEN_DIR = join(REPO_ROOT, 'test', 'golden');

export interface GoldenCase {
  /** Folder name under test/golden/. */
  name: string;
  /** Capture path relative to test/fixtures (never copied: the corpus is the single copy). */
  capture: string;
}

export function loadCases(): GoldenCase[] {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, 'cases.json'), 'utf8')) as GoldenCase[];
}

export function capturePath(c: GoldenCase): string {
  return join(FIXTURES, c.capture);
}

export function expectedPath(c: GoldenCase): string {
  return join(GOLDEN_DIR, c.name, 'expected.ndjson');
}

/** The environment golden runs get: a fixed uid seed, so uids are the same on every run (without
 *  one every process draws a random uid prefix, SPEC §3). */
export const GOLDEN_ENV: Readonly<Record<string, string>> = { MAILTAP_OUTPUT_UID_SEED: 'golden' };

/** The `mailtap read` argument list the golden files are made with and checked against. */
export function readArgs(c: GoldenCase): string[] {
  return ['read', '--workers', '2', capturePath(c)];
}

/**
 * Canonical NDJSON: `time` (wall clock) dropped; lines grouped by uid, groups in uid order, each
 * group in output order. A connection lives on one worker, so its own order is the same for any
 * worker count, while the interleaving of connections is not.
 */
export function canonical(stdout: string): string {
  const groups = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line) as Record<string, unknown>;
    delete e.time;
    const uid = typeof e.uid === 'string' ? e.uid : '';
    let g = groups.get(uid);
    if (g === undefined) {
      g = [];
      groups.set(uid, g);
    }
    g.push(JSON.stringify(e));
  }
  const uids = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = '';
  for (const uid of uids) for (const l of groups.get(uid) ?? []) out += `${l}\n`;
  return out;
}

/** Where two JSON lines first differ, as `key.path: expected … got …` (or null when equal). */
function firstFieldDiff(want: unknown, got: unknown, path: string): string | null {
  if (JSON.stringify(want) === JSON.stringify(got)) return null;
  if (typeof want === 'object' && want !== null && typeof got === 'object' && got !== null && Array.isArray(want) === Array.isArray(got)) {
    const w = want as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(w), ...Object.keys(g)])];
    for (const k of keys) {
      const d = firstFieldDiff(w[k], g[k], path === '' ? k : `${path}.${k}`);
      if (d !== null) return d;
    }
    return `${path}: key order differs`;
  }
  return `${path === '' ? '(line)' : path}: expected ${JSON.stringify(want) ?? 'absent'}, got ${JSON.stringify(got) ?? 'absent'}`;
}

function parseOr(line: string | undefined): unknown {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return line;
  }
}

/** A readable report of the first `max` differing lines between two canonical outputs. */
export function describeDiff(expected: string, actual: string, max = 3): string {
  const want = expected.split('\n').filter((l) => l !== '');
  const got = actual.split('\n').filter((l) => l !== '');
  const out: string[] = [`expected ${want.length} lines, got ${got.length}`];
  const n = Math.max(want.length, got.length);
  let shown = 0;
  for (let i = 0; i < n && shown < max; i++) {
    if (want[i] === got[i]) continue;
    shown++;
    out.push(
      `line ${i + 1}: ${firstFieldDiff(parseOr(want[i]), parseOr(got[i]), '')}`,
      `  - ${want[i]?.slice(0, 400) ?? '(none)'}`,
      `  + ${got[i]?.slice(0, 400) ?? '(none)'}`,
    );
  }
  return out.join('\n');
}
