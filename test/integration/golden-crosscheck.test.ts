// The golden files are mailtap's own output: alone they catch change, not error (issue 12). This
// runs the independent cross-check (tshark's TCP reassembly + Python's email package, see
// test/golden/crosscheck.py) on every case and fails on any disagreement that is not listed with
// its reason in test/golden/crosscheck-known.json, and on a listed one that no longer happens.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT } from '../helpers/paths.js';

test('golden files agree with tshark + Python email on every case (disagreements only as listed)', { timeout: 600_000 }, () => {
  for (const tool of ['tshark', 'python3']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
    assert.ok(found, `missing tool: ${tool}; run scripts/install-deps.sh --test`);
  }
  const run = spawnSync('python3', [join(REPO_ROOT, 'test', 'golden', 'crosscheck.py'), '--strict'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const summary = run.stdout.trim().split('\n').at(-1) ?? '';
  const problems = run.stdout.split('\n').filter((l) => l.includes('UNEXPLAINED') || l.startsWith('STALE'));
  assert.equal(run.status, 0, `${summary}\n${problems.join('\n')}\n${run.stderr}`);
  assert.match(summary, /^crosscheck: \d+ cases, 0 unexplained disagreements/);
});
