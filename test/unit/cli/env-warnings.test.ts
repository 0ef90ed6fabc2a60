import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, fixture } from '../../helpers/paths.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';

// Issue 14 item 5 (SPEC §6): Kubernetes injects MAILTAP_SERVICE_HOST, MAILTAP_PORT=tcp://… into the
// pods of a namespace with a Service named mailtap; mailtap exited 1 with "3 errors". Unknown
// MAILTAP_* names are now one warning each, and check-config lists them.

const K8S = {
  MAILTAP_SERVICE_HOST: '10.96.0.12',
  MAILTAP_PORT: 'tcp://10.96.0.12:9469',
  MAILTAP_PORT_9469_TCP: 'tcp://10.96.0.12:9469',
};

test('read with Kubernetes service variables: exit 0, the events, one warning per variable', async () => {
  const r = await runCli(['read', '--workers', '1', fixture('seed', 'session.pcap')], { env: K8S });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(ndjson(r.stdout).some((e) => e['event'] === 'smtp_session'));
  const warnings = ndjson(r.stderr).filter((l) => l['level'] === 'warn' && typeof l['variable'] === 'string');
  assert.deepEqual(warnings.map((w) => w['variable']), ['MAILTAP_PORT', 'MAILTAP_PORT_9469_TCP', 'MAILTAP_SERVICE_HOST']);
  for (const w of warnings) assert.match(String(w['msg']), /names no setting, ignored/);
});

test('check-config lists the unknown variables as warnings and still exits 0; errors still fail', async () => {
  const cfg = join(REPO_ROOT, 'config', 'mailtap.yaml');
  const ok = await runCli(['check-config', '--config', cfg], { env: K8S });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout.toString(), /configuration OK/);
  const lines = ok.stderr.split('\n').filter((l) => l.startsWith('warning: MAILTAP_'));
  assert.equal(lines.length, 3, ok.stderr);
  for (const name of Object.keys(K8S)) assert.ok(lines.some((l) => l.startsWith(`warning: ${name}: `)), name);
  const bad = await runCli(['check-config', '--config', cfg], { env: { ...K8S, MAILTAP_WORKERS_COUNT: 'x' } });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /warning: MAILTAP_PORT: /);
  assert.match(bad.stderr, /error: workers\.count: /);
});
