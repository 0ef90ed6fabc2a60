import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

// Issue 12 item 4: the import order of src/README.md, enforced. dependency-cruiser checks it in
// `npm run lint` with the rules of .dependency-cruiser.cjs, made from scripts/stage-order.cjs.
// This test keeps the three in step (README table = order file; every src/ folder a stage) and
// proves the rules bite: a tree with forbidden imports must fail, the same tree without them pass.

interface StageOrder {
  STAGES: Record<string, string[]>;
  ROOTS: string[];
  PARSERS: string[];
}
const order = createRequire(import.meta.url)(join(REPO_ROOT, 'scripts', 'stage-order.cjs')) as StageOrder;
const DEPCRUISE = join(REPO_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = join(REPO_ROOT, '.dependency-cruiser.cjs');

interface Violation {
  rule: string;
  from: string;
  to: string;
}

/**
 * Runs dependency-cruiser exactly as `npm run lint` does (the `err` reporter, whose exit status is
 * the count of errors), in `cwd`; the status and the violations it printed.
 */
function cruise(cwd: string): { status: number | null; violations: Violation[]; output: string } {
  const r = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG], { cwd, encoding: 'utf8', timeout: 60_000 });
  const output = `${r.stdout}${r.stderr}`;
  // `  error stage-smtp: src/smtp/a.ts → src/output/b.ts`; a cycle continues on the next lines.
  const violations = [...output.matchAll(/^\s*error ([\w-]+): (\S+) →\s+(\S+)/gm)].map((m) => ({ rule: m[1]!, from: m[2]!, to: m[3]! }));
  return { status: r.status, violations, output };
}

const show = (v: Violation): string => `${v.rule}: ${v.from} → ${v.to}`;

function readmeTable(): Map<string, { imports: string[]; config: string }> {
  const text = readFileSync(join(REPO_ROOT, 'src', 'README.md'), 'utf8');
  const start = text.indexOf('## Import order');
  assert.ok(start >= 0, 'src/README.md has no "## Import order" section');
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  const rows = new Map<string, { imports: string[]; config: string }>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z]+)` \| ([^|]*) \| ([^|]*) \|/.exec(line);
    if (m === null) continue;
    rows.set(m[1]!, { imports: [...m[2]!.matchAll(/`([a-z]+)`/g)].map((x) => x[1]!), config: m[3]!.trim() });
  }
  return rows;
}

test('src/README.md prints the import order dependency-cruiser enforces', () => {
  const rows = readmeTable();
  assert.deepEqual([...rows.keys()], Object.keys(order.STAGES), 'same stages, same order');
  for (const [stage, allowed] of Object.entries(order.STAGES)) {
    assert.deepEqual(rows.get(stage)!.imports, allowed, `row of ${stage}`);
    assert.equal(rows.get(stage)!.config, order.ROOTS.includes(stage) ? '`config/` (all)' : '`config/types.ts`', `config column of ${stage}`);
  }
});

test('the order is acyclic and names only stages upstream of each', () => {
  const names = Object.keys(order.STAGES);
  for (const [i, stage] of names.entries()) {
    for (const up of order.STAGES[stage]!) {
      const j = names.indexOf(up);
      assert.ok(j >= 0 && j < i, `${stage} may import ${up}, which must be a stage listed before it`);
    }
  }
  for (const p of order.PARSERS) assert.ok(names.includes(p), `parser ${p} is a stage`);
});

test('every folder of src/ is a stage of the order', () => {
  const folders = readdirSync(join(REPO_ROOT, 'src')).filter((f) => statSync(join(REPO_ROOT, 'src', f)).isDirectory());
  assert.deepEqual(folders.sort(), Object.keys(order.STAGES).sort());
});

test('src/ as it is has no forbidden import', () => {
  const r = cruise(REPO_ROOT);
  assert.deepEqual(r.violations.map(show), []);
  assert.equal(r.status, 0, r.output);
});

/** A small tree under src/: every file imports what `imports` lists. */
function writeTree(root: string, files: Record<string, string[]>): void {
  for (const [path, imports] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, imports.map((line) => `${line}\n`).join('') + 'export const x = 1;\n');
  }
}

const ALLOWED: Record<string, string[]> = {
  'src/shared/bytes.ts': [],
  'src/config/types.ts': [],
  'src/config/schema.ts': [],
  'src/capture/types.ts': [],
  'src/decode/types.ts': [`import type { x } from '../capture/types.js';`],
  'src/flow/types.ts': [`import type { x } from '../decode/types.js';`, `import { x as y } from '../shared/bytes.js';`, `import type { x as z } from '../config/types.js';`],
  'src/tls/types.ts': [`import type { x } from '../flow/types.js';`, `import { createHash } from 'node:crypto';`],
  'src/smtp/types.ts': [`import type { x } from '../flow/types.js';`, `import type { x as y } from '../tls/types.js';`],
  'src/mime/types.ts': [`export type { x } from '../smtp/types.js';`],
  'src/records/types.ts': [`import type { x } from '../mime/types.js';`],
  'src/output/metrics.ts': [`import type { x } from '../records/types.js';`, `import { readFileSync } from 'node:fs';`],
  'src/worker/main.ts': [`import { x } from '../config/schema.js';`, `import { x as y } from '../smtp/types.js';`],
  'src/cli/main.ts': [`import { x } from '../config/schema.js';`, `import { x as y } from '../output/metrics.js';`],
};

test('a tree with only allowed imports passes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-stages-'));
  try {
    writeTree(dir, ALLOWED);
    const r = cruise(dir);
    assert.deepEqual(r.violations.map(show), []);
    assert.equal(r.status, 0, r.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forbidden imports fail the check, each under its rule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-stages-'));
  try {
    writeTree(dir, {
      ...ALLOWED,
      // Downstream, as in the circle issue 12 found (output → dispatch → output).
      'src/smtp/bad-downstream.ts': [`import { x } from '../output/metrics.js';`],
      // Type-only imports count: a type names its module.
      'src/flow/bad-type.ts': [`import type { x } from '../smtp/types.js';`],
      // Beyond config/types.ts from a stage that is no root.
      'src/smtp/bad-config.ts': [`import { x } from '../config/schema.js';`],
      // A parser doing I/O, with and without the node: prefix.
      'src/mime/bad-io.ts': [`import { readFileSync } from 'node:fs';`],
      'src/decode/bad-io.ts': [`import { Worker } from 'worker_threads';`],
      // ... or through a module of a stage it may import (decode may import capture, not its file reader).
      'src/capture/reader.ts': [`import { readFileSync } from 'node:fs';`],
      'src/decode/bad-reach.ts': [`import { x } from '../capture/reader.js';`],
      // A folder that is no stage.
      'src/newstage/x.ts': [`import { x } from '../shared/bytes.js';`],
      // A cycle inside one stage.
      'src/defrag/a.ts': [`import { x } from './b.js';`],
      'src/defrag/b.ts': [`import type { x } from './a.js';`],
    });
    const r = cruise(dir);
    assert.notEqual(r.status, 0, `dependency-cruiser must exit non-zero:\n${r.output}`);
    const found = new Set(r.violations.map(show));
    for (const expected of [
      'stage-smtp: src/smtp/bad-downstream.ts → src/output/metrics.ts',
      'stage-flow: src/flow/bad-type.ts → src/smtp/types.ts',
      'stage-smtp: src/smtp/bad-config.ts → src/config/schema.ts',
      'parser-no-io: src/mime/bad-io.ts → fs', // dependency-cruiser names node:fs `fs`
      'parser-no-io: src/decode/bad-io.ts → worker_threads',
      'parser-no-io-reachable: src/decode/bad-reach.ts → fs',
      'stage-unknown: src/newstage/x.ts → src/shared/bytes.ts',
      'no-circular: src/defrag/a.ts → src/defrag/b.ts',
    ]) assert.ok(found.has(expected), `missing: ${expected}\nfound: ${[...found].join('\n')}`);
    // Nothing of the allowed tree is reported.
    for (const v of r.violations) assert.ok(!(v.from in ALLOWED), `allowed import reported: ${show(v)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm run lint runs the check', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.lint!, /depcruise src --config \.dependency-cruiser\.cjs/);
  assert.match(pkg.scripts.test!, /npm run lint/);
});
