import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { missingTools } from '../helpers/netns.js';
import { REPO_ROOT } from '../helpers/paths.js';

// The alert rules are checked by Prometheus's own tool (Debian package `prometheus`, installed by
// scripts/install-deps.sh --test): syntax and PromQL, then the alert unit tests beside them.

function promtool(args: string[]): { status: number | null; out: string } {
  const missing = missingTools(['promtool']);
  if (missing.length > 0) throw new Error('promtool is missing; run scripts/install-deps.sh --test (Debian package prometheus)');
  const r = spawnSync('promtool', args, { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('promtool check rules accepts config/prometheus/alerts.yml', () => {
  const r = promtool(['check', 'rules', join('config', 'prometheus', 'alerts.yml')]);
  assert.equal(r.status, 0, r.out);
  const m = /SUCCESS: (\d+) rules found/.exec(r.out);
  assert.ok(m !== null && Number(m[1]) >= 10, r.out);
});

test('promtool test rules: the alerts fire (and stay quiet) as their unit tests say', () => {
  const r = promtool(['test', 'rules', join('config', 'prometheus', 'alerts.test.yml')]);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /SUCCESS/);
});

test('promtool check config accepts the sample scrape configuration and finds the rules', () => {
  const r = promtool(['check', 'config', join('config', 'prometheus', 'prometheus-test.yml')]);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /alerts\.yml/);
});
