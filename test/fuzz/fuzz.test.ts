// Coverage-guided fuzzing in CI (issue 8): every parser's target runs for FUZZ_SECONDS (default
// 15) from its corpus seeds with a fixed mutator seed shown in the test name; set FUZZ_SEED to
// replay or vary it. Any crash, oracle failure or hang fails the test and its input is written
// under FUZZ_OUT (default /tmp/mailtap-fuzz/findings/<target>/) to become a regression file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTarget } from './engine/run.js';
import { defaultOutDir, saveResult } from './engine/save.js';
import { TARGET_NAMES } from './targets/index.js';

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 15);
const SEED = Number(process.env.FUZZ_SEED ?? 0x15508);

for (const name of TARGET_NAMES) {
  test(`fuzz ${name} for ${SECONDS}s, FUZZ_SEED=${SEED}`, { timeout: (SECONDS + 120) * 1000 }, async (t) => {
    const r = await runTarget(name, { seed: SEED, seconds: SECONDS });
    const s = r.stats;
    t.diagnostic(`${s.execs} execs (${(s.execs / Math.max(s.seconds, 1e-3)).toFixed(0)}/s), corpus ${s.corpus}, features ${s.features}, blocks ${s.blocks}, p50 ${s.p50Ms.toFixed(2)} ms, max ${s.maxMs.toFixed(0)} ms`);
    const saved = saveResult(defaultOutDir(), r, false);
    const report = r.findings.map((f, i) => `${f.kind}: ${f.message}\n  input: ${saved[i]}\n  hex: ${f.input.toString('hex').slice(0, 400)}`);
    assert.deepEqual(report, [], 'fuzz findings (add each input under test/fuzz/regressions/<target>/ once fixed)');
    assert.ok(s.execs > 0 && s.corpus > 0 && s.blocks > 0, 'the target ran with coverage feedback');
  });
}
