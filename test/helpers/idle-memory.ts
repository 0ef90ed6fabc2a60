// Runs idle-memory-entry in a child process with --expose-gc (the test runner has no gc()) and
// returns its figures: bytes per idle connection in the worker or on the main thread.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
const ENTRY = fileURLToPath(new URL(`./idle-memory-entry${ext}`, import.meta.url));

export interface IdleMemory {
  mode: 'worker' | 'main';
  n: number;
  heapPerFlow: number;
  externalPerFlow: number;
  totalPerFlow: number;
}

export function measureIdle(mode: 'worker' | 'main', n: number): IdleMemory {
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const r = spawnSync(process.execPath, ['--expose-gc', ...execArgv, ENTRY, mode, String(n)], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as IdleMemory;
}
