import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

// scripts/audit.sh against a stand-in npm (NPM=…) that prints the three kinds of answer npm
// gives: a report with findings, a clean report, and the failed request this sandbox gets
// (405 from the bulk advisory endpoint). The real endpoint is not reachable from CI here.

const SCRIPT = join(REPO_ROOT, 'scripts', 'audit.sh');

function report(high: number, critical: number): string {
  const vulnerabilities: Record<string, unknown> = {};
  if (high > 0) vulnerabilities['some-lib'] = { name: 'some-lib', severity: 'high', range: '<1.2.3' };
  if (critical > 0) vulnerabilities['other-lib'] = { name: 'other-lib', severity: 'critical', range: '*' };
  return JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { info: 0, low: 2, moderate: 1, high, critical, total: 3 + high + critical } } });
}

const FAILED = JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405, error: { summary: '', detail: '' } });

function runWith(stdout: string, exitCode: number): { status: number | null; out: string; err: string; argv: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-audit-'));
  try {
    writeFileSync(join(dir, 'reply.json'), stdout);
    const fake = join(dir, 'npm');
    writeFileSync(fake, `#!/bin/sh\necho "$@" > "${dir}/argv"\ncat "${dir}/reply.json"\necho "npm error audit endpoint returned an error" >&2\nexit ${exitCode}\n`);
    chmodSync(fake, 0o755);
    const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8', env: { ...process.env, NPM: fake }, timeout: 30_000 });
    const argv = readFileSync(join(dir, 'argv'), 'utf8').trim();
    return { status: r.status, out: r.stdout, err: r.stderr, argv };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('audit.sh asks npm for production dependencies at level high, as JSON', () => {
  const r = runWith(report(0, 0), 0);
  assert.equal(r.argv, 'audit --omit=dev --audit-level=high --json');
});

test('audit.sh: a clean report passes (exit 0)', () => {
  const r = runWith(report(0, 0), 0);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /critical 0, high 0, moderate 1, low 2/);
});

test('audit.sh: any high or critical finding fails (exit 1) and is listed', () => {
  const h = runWith(report(1, 0), 1);
  assert.equal(h.status, 1);
  assert.match(h.out, /^high\tsome-lib\t<1\.2\.3$/m);
  const c = runWith(report(0, 1), 1);
  assert.equal(c.status, 1);
  assert.match(c.out, /^critical\tother-lib\t\*$/m);
});

test('audit.sh: an unreachable advisory endpoint is exit 2, said loudly, never a pass', () => {
  const r = runWith(FAILED, 1);
  assert.equal(r.status, 2);
  assert.match(r.err, /AUDIT NOT PERFORMED/);
  assert.match(r.err, /405 Method Not Allowed/);
  const empty = runWith('', 0); // npm printed nothing, even with exit 0
  assert.equal(empty.status, 2);
  assert.match(empty.err, /NOT a pass/);
});
