// Local fuzzing (scripts/fuzz.sh): `cli.ts [target|all] [seconds] [seed]` runs each target for
// longer than CI does, starting from the corpus kept by earlier runs, and writes new corpus
// entries and findings under FUZZ_OUT (default /tmp/mailtap-fuzz). Exit code 1 on findings.
// `cli.ts minimize <target> <file.bin>` shrinks a crash input into <file>.min.bin.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { minimize } from './engine/minimize.js';
import { runTarget } from './engine/run.js';
import { corpusDir, defaultOutDir, saveResult } from './engine/save.js';
import { TARGET_NAMES, isTargetName, loadTarget } from './targets/index.js';

if (process.argv[2] === 'minimize') {
  const [name = '', file = ''] = process.argv.slice(3);
  if (!isTargetName(name) || !existsSync(file)) {
    process.stderr.write('usage: minimize <target> <file.bin>\n');
    process.exit(2);
  }
  const input = readFileSync(file);
  const small = minimize(await loadTarget(name), input);
  writeFileSync(file.replace(/\.bin$/, '') + '.min.bin', small);
  process.stdout.write(`${input.length} -> ${small.length} bytes\n`);
  process.exit(0);
}

const [which = 'all', secondsArg = '300', seedArg] = process.argv.slice(2);
if (which !== 'all' && !isTargetName(which)) {
  process.stderr.write(`unknown target ${which}; one of: all ${TARGET_NAMES.join(' ')}\n`);
  process.exit(2);
}
const seconds = Number(secondsArg);
const seed = seedArg === undefined ? Math.floor(Math.random() * 0x7fffffff) : Number(seedArg);
const out = defaultOutDir();
let found = 0;
for (const name of which === 'all' ? TARGET_NAMES : [which]) {
  const cdir = corpusDir(out, name);
  const r = await runTarget(name, existsSync(cdir) ? { seed, seconds, corpusDir: cdir } : { seed, seconds });
  const paths = saveResult(out, r, true);
  const s = r.stats;
  process.stdout.write(
    `${name}: seed ${seed}, ${s.execs} execs in ${s.seconds.toFixed(0)} s (${(s.execs / Math.max(s.seconds, 1e-3)).toFixed(0)}/s), ` +
      `corpus ${s.corpus}, features ${s.features}, blocks ${s.blocks}, p50 ${s.p50Ms.toFixed(2)} ms, max ${s.maxMs.toFixed(0)} ms, findings ${r.findings.length}\n`,
  );
  for (let i = 0; i < r.findings.length; i++) process.stdout.write(`  ${r.findings[i]!.kind}: ${r.findings[i]!.message}\n    ${paths[i]}\n`);
  found += r.findings.length;
}
process.stdout.write(`output: ${out}\n`);
process.exit(found > 0 ? 1 : 0);
