// The fuzz engine's own checks: mutations are reproducible from the seed, coverage feedback sees
// the target's blocks, a planted crash is found with an input that reproduces it and minimizes
// to its one needed byte, and a planted endless loop is stopped by the watchdog and reported as a
// hang with its input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minimize } from './engine/minimize.js';
import { mutate } from './engine/mutate.js';
import { Rng } from './engine/rng.js';
import { runTarget } from './engine/run.js';
import { plantedCrash, plantedHang } from './targets/planted.js';

test('the same seed gives the same mutants; another seed different ones', () => {
  const gen = (seed: number): string[] => {
    const rng = new Rng(seed);
    const ctx = { rng, corpus: [Buffer.from('corpus entry')], dictionary: [Buffer.from('\r\n.\r\n')], maxLen: 64 };
    const out: string[] = [];
    let b: Buffer = Buffer.from('EHLO example.org\r\n');
    for (let i = 0; i < 200; i++) {
      b = mutate(ctx, b.length === 0 ? Buffer.from('x') : b);
      assert.ok(b.length <= 64);
      out.push(b.toString('hex'));
    }
    return out;
  };
  assert.deepEqual(gen(7), gen(7));
  assert.notDeepEqual(gen(7), gen(8));
});

test('a planted crash is found, with coverage feedback, and its input reproduces it', async () => {
  const r = await runTarget('planted-crash', { seed: 1, seconds: 20 });
  assert.ok(r.stats.blocks > 0, 'blocks of the target were seen');
  const crash = r.findings.find((f) => f.kind === 'crash');
  assert.ok(crash, 'crash found');
  assert.match(crash.message, /planted crash/);
  assert.throws(() => plantedCrash.run(crash.input), /planted crash/);
});

test('minimize keeps the failure and drops every byte it does not need', () => {
  const small = minimize(plantedCrash, Buffer.from('abc\0def\0ghi'));
  assert.deepEqual(small, Buffer.from([0]));
  assert.deepEqual(minimize(plantedCrash, Buffer.from('fine')), Buffer.from('fine'));
});

test('a planted endless loop is stopped by the watchdog and reported as a hang with its input', async () => {
  const r = await runTarget('planted-hang', { seed: 1, seconds: 20, hangMs: 300 });
  assert.equal(r.findings.length, 1);
  const hang = r.findings[0]!;
  assert.equal(hang.kind, 'hang');
  assert.equal(hang.input.toString('latin1', 0, 2), 'HA');
  assert.equal(plantedHang.name, 'planted-hang');
});
