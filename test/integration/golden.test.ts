// End-to-end baselines: every corpus and seed capture read with `mailtap read --workers 2` must
// give exactly the committed test/golden/<case>/expected.ndjson (canonical form: no `time`,
// connections by uid). A mismatch prints the first differing lines and the first differing field.
// Regenerate deliberately with scripts/update-golden.sh.
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allCaptures, captureName } from '../helpers/captures.js';
import { runCli } from '../helpers/run-cli.js';
import { GOLDEN_DIR, GOLDEN_ENV, canonical, capturePath, describeDiff, expectedPath, loadCases, readArgs } from '../golden/golden-lib.js';

const cases = loadCases();

test('every corpus and seed capture has a golden case, and every case a README entry', () => {
  const covered = new Set(cases.map((c) => c.capture));
  const missing = allCaptures().map(captureName).filter((p) => !covered.has(p));
  assert.deepEqual(missing, [], 'captures without a golden case');
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
  const index = readFileSync(join(GOLDEN_DIR, 'README.md'), 'utf8');
  for (const c of cases) {
    assert.ok(existsSync(capturePath(c)), `${c.name}: capture ${c.capture} exists`);
    assert.ok(existsSync(expectedPath(c)), `${c.name}: expected.ndjson exists`);
    assert.ok(index.includes(`\`${c.name}\``), `${c.name}: listed in test/golden/README.md`);
  }
});

describe('golden files', { concurrency: 2 }, () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runCli(readArgs(c), { env: GOLDEN_ENV });
      assert.equal(r.code, 0, `${c.name}: mailtap read exited ${String(r.code)}\n${r.stderr}`);
      const got = canonical(r.stdout.toString('utf8'));
      const want = readFileSync(expectedPath(c), 'utf8');
      if (got !== want) assert.fail(`${c.name} (${c.capture}) differs from ${expectedPath(c)}:\n${describeDiff(want, got)}`);
    });
  }
});
