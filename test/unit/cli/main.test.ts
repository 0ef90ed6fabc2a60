import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mailtap-main-'));

test('--version prints the package version first; --help the usage', async () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout.toString().split('\n')[0], `mailtap ${pkg.version}`);
  const h = await runCli(['--help']);
  assert.equal(h.code, 0);
  for (const cmd of ['run', 'read', 'flows', 'check-config']) assert.match(h.stdout.toString(), new RegExp(`mailtap ${cmd} `));
});

test('unknown command or flag: exit 1, the reason and the usage on stderr', async () => {
  const a = await runCli(['sniff']);
  assert.equal(a.code, 1);
  assert.match(a.stderr, /^mailtap: unknown command 'sniff'\n/);
  assert.match(a.stderr, /Usage:/);
  const b = await runCli(['flows', '--nope', 'x.pcap']);
  assert.equal(b.code, 1);
  assert.match(b.stderr, /'--nope'/);
  assert.equal(b.stdout.length, 0);
});

test('check-config: the sample file is valid', async () => {
  const r = await runCli(['check-config', '--config', join(REPO_ROOT, 'config', 'mailtap.yaml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout.toString(), /configuration OK/);
});

test('check-config prints every error at once and exits 1', async () => {
  const cfg = join(dir, 'bad.yaml');
  writeFileSync(cfg, 'flows:\n  idle_timeout_s: -5\n  max_flows: lots\nlimits:\n  line_length: 10\n');
  const r = await runCli(['check-config', '--config', cfg], { env: { MAILTAP_CAPTURE_SNAPLEN: '1' } });
  assert.equal(r.code, 1);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  assert.deepEqual(
    errors.map((l) => l.slice('error: '.length).split(':')[0]).sort(),
    ['capture.snaplen', 'flows.idle_timeout_s', 'flows.max_flows', 'limits.line_length'],
  );
  assert.match(r.stderr, /4 errors/);
});

test('a bad configuration on another command: exit 1, NDJSON error listing the problems', async () => {
  const r = await runCli(['read', join(dir, 'none.pcap')], { env: { MAILTAP_WORKERS_COUNT: 'many' } });
  assert.equal(r.code, 1);
  const err = ndjson(r.stderr).find((l) => l.level === 'error');
  assert.ok(err !== undefined, r.stderr);
  assert.ok(Array.isArray(err.problems));
  assert.match(String((err.problems as string[])[0]), /^workers\.count: /);
});

test('--workers is validated by the schema like any setting', async () => {
  const r = await runCli(['read', '--workers', '0x', join(dir, 'none.pcap')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /workers\.count/);
});

test('precedence end to end: the environment overrides --events, which overrides the file', async () => {
  const cfg = join(dir, 'events.yaml');
  const fromFile = join(dir, 'from-file.ndjson');
  const fromFlag = join(dir, 'from-flag.ndjson');
  const fromEnv = join(dir, 'from-env.ndjson');
  writeFileSync(cfg, `output:\n  events: ${fromFile}\n`);
  const session = join(REPO_ROOT, 'test', 'fixtures', 'seed', 'session.pcap');
  const a = await runCli(['read', '--config', cfg, '--workers', '1', '--events', fromFlag, session], { env: { MAILTAP_OUTPUT_EVENTS: fromEnv } });
  assert.equal(a.code, 0, a.stderr);
  assert.equal(existsSync(fromFile), false);
  assert.equal(existsSync(fromFlag), false);
  assert.ok(ndjson(readFileSync(fromEnv)).length > 0);
  const b = await runCli(['read', '--config', cfg, '--workers', '1', '--events', fromFlag, session]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(existsSync(fromFile), false);
  assert.ok(ndjson(readFileSync(fromFlag)).length > 0);
  const c = await runCli(['read', '--config', cfg, '--workers', '1', session]);
  assert.equal(c.code, 0, c.stderr);
  assert.ok(ndjson(readFileSync(fromFile)).length > 0);
});
