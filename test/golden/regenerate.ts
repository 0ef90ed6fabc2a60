// Rewrites test/golden/<case>/expected.ndjson from the current `mailtap read --workers 2` output of
// every case in cases.json (or only the cases named on the command line). A deliberate act: run
// through scripts/update-golden.sh, then review the diff and the case READMEs before committing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GOLDEN_ENV, canonical, expectedPath, loadCases, readArgs } from './golden-lib.js';
import { runCli } from '../helpers/run-cli.js';

const only = new Set(process.argv.slice(2));
const cases = loadCases().filter((c) => only.size === 0 || only.has(c.name));
let failed = 0;
for (const c of cases) {
  const r = await runCli(readArgs(c), { env: GOLDEN_ENV });
  if (r.code !== 0) {
    failed++;
    process.stderr.write(`${c.name}: mailtap read exited ${String(r.code)}\n${r.stderr}\n`);
    continue;
  }
  const text = canonical(r.stdout.toString('utf8'));
  mkdirSync(dirname(expectedPath(c)), { recursive: true });
  writeFileSync(expectedPath(c), text);
  process.stdout.write(`${c.name}: ${text.split('\n').length - 1} events\n`);
}
process.exitCode = failed === 0 ? 0 : 1;
