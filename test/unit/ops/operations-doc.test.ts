import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCaptureFilter, shardClause } from '../../../src/capture/filter.js';
import { loadConfig } from '../../../src/config/load.js';
import { REPO_ROOT } from '../../helpers/paths.js';

// docs/operations.md is what an operator follows at 3 a.m.: every repository file it names must
// exist, and the commands it gives must match the artifacts they refer to.

const DOC = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');

test('every repository path the guide names exists', () => {
  const paths = new Set<string>();
  for (const m of DOC.matchAll(/`((?:config|systemd|docs|test|src|scripts)\/[\w./@*-]+|Dockerfile)`/g)) paths.add(m[1]!);
  assert.ok(paths.size >= 10);
  for (const p of paths) {
    if (p.includes('*')) continue; // globs such as test/integration/ops-*.test.ts
    assert.ok(existsSync(join(REPO_ROOT, p)), p);
  }
});

test('the guide gives the offload command, the Docker run line and the shard settings the code uses', () => {
  assert.ok(DOC.includes('ethtool -K eth1 gro off lro off gso off tso off'));
  assert.match(DOC, /1,023 packets/);
  const docker = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  assert.ok(docker.includes('--net=host --cap-add NET_RAW --cap-add NET_ADMIN') && DOC.includes('--net=host --cap-add NET_RAW --cap-add NET_ADMIN'));
  assert.ok(DOC.includes('MAILTAP_CAPTURE_SHARD_INDEX=%i') && DOC.includes('MAILTAP_CAPTURE_SHARD_COUNT='));
  const unit = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap.service'), 'utf8');
  assert.ok(unit.includes('ExecStart=/usr/bin/node /opt/mailtap/dist/src/cli/main.js run --config /etc/mailtap/mailtap.yaml'));
  // The guide's instances run from the shipped template, whose ExecStart is the unit's.
  const template = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap@.service'), 'utf8');
  assert.ok(template.includes('ExecStart=/usr/bin/node /opt/mailtap/dist/src/cli/main.js run --config /etc/mailtap/mailtap.yaml'));
  assert.ok(DOC.includes('systemd/mailtap@.service') && DOC.includes('capture.fanout: {group: 25, count: 4}'));
});

test('the shard template\'s environment loads as the intended shard and filter', () => {
  const line = /^Environment=(MAILTAP_CAPTURE_SHARD.*)$/m.exec(DOC);
  assert.ok(line !== null);
  const env: Record<string, string> = {};
  for (const kv of line[1]!.split(/\s+/)) {
    const eq = kv.indexOf('=');
    env[kv.slice(0, eq)] = kv.slice(eq + 1).replaceAll('%i', '2'); // systemd's instance specifier
  }
  const cfg = loadConfig({ env });
  assert.deepEqual({ ...cfg.capture.shard }, { index: 2, count: 4 });
  assert.equal(cfg.metrics.listen, '127.0.0.1:9472');
  assert.ok(buildCaptureFilter(cfg.capture).endsWith(`and (${shardClause(2, 4, 'ethernet')})`));
});
