import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envKeyToPath, loadConfig } from '../../../src/config/load.js';
import type { LoadConfigOptions } from '../../../src/config/load.js';
import { defaultConfig } from '../../../src/config/schema.js';
import { ConfigError } from '../../../src/shared/errors.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const SAMPLE = join(REPO_ROOT, 'config', 'mailtap.yaml');
const dir = mkdtempSync(join(tmpdir(), 'mailtap-config-'));
let n = 0;
function file(text: string, ext = 'yaml'): string {
  const p = join(dir, `c${n++}.${ext}`);
  writeFileSync(p, text);
  return p;
}

/** Every problem of a failing load (the test fails if it loads). */
function problems(opts: LoadConfigOptions): readonly string[] {
  try {
    loadConfig({ env: {}, ...opts });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'E_CONFIG');
    return err.problems;
  }
  return assert.fail('expected a ConfigError');
}

/** Every key path of a nested object (arrays are leaves). */
function leafPaths(o: unknown, prefix = ''): string[] {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return [prefix];
  return Object.entries(o).flatMap(([k, v]) => leafPaths(v, prefix === '' ? k : `${prefix}.${k}`));
}

test('no file and no environment: the schema defaults, deep-frozen', () => {
  const c = loadConfig({ env: {} });
  assert.deepEqual(c, defaultConfig());
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.capture) && Object.isFrozen(c.capture.shard) && Object.isFrozen(c.capture.ports));
  assert.throws(() => {
    (c.flows as { idle_timeout_s: number }).idle_timeout_s = 1;
  }, TypeError);
});

test('config/mailtap.yaml loads to exactly the schema defaults', () => {
  assert.deepEqual(loadConfig({ path: SAMPLE, env: {} }), defaultConfig());
});

test('config/mailtap.yaml names every schema key, each with a comment line above it', () => {
  const lines = readFileSync(SAMPLE, 'utf8').split('\n');
  const paths = leafPaths(defaultConfig());
  assert.ok(paths.length > 40, `only ${paths.length} keys in the schema?`);
  for (const path of paths) {
    const parts = path.split('.');
    let from = 0;
    let at = -1;
    // Find each part in turn, indented two spaces per level, below its parent.
    for (let depth = 0; depth < parts.length; depth++) {
      const want = `${' '.repeat(depth * 2)}${parts[depth]}:`;
      at = lines.findIndex((l, i) => i >= from && l.startsWith(want));
      assert.ok(at >= 0, `${path} is missing from config/mailtap.yaml`);
      from = at + 1;
    }
    assert.match(lines[at - 1] ?? '', /^\s*# \S/, `${path} has no comment line above it`);
  }
});

test('a file overrides defaults; YAML and JSON alike', () => {
  const y = loadConfig({ path: file('flows:\n  idle_timeout_s: 60\ncapture:\n  ports: [25]\n'), env: {} });
  assert.equal(y.flows.idle_timeout_s, 60);
  assert.deepEqual(y.capture.ports, [25]);
  assert.equal(y.flows.max_flows, 1_000_000);
  const j = loadConfig({ path: file('{"limits": {"line_length": 1000}}', 'json'), env: {} });
  assert.equal(j.limits.line_length, 1000);
  assert.deepEqual(loadConfig({ path: file(''), env: {} }), defaultConfig());
});

test('every error is listed at once, each with its key path', () => {
  const p = problems({
    path: file(
      [
        'flows:',
        '  idle_timeout_s: soon',
        '  idle_timout_s: 5',
        'capture:',
        '  snaplen: 10',
        '  ports: [25, 70000]',
        '  shard: {index: 2, count: 2}',
        'output:',
        '  hashes: [md5, crc32]',
        'metrics:',
        '  listen: nowhere',
        'bogus: 1',
        '',
      ].join('\n'),
    ),
  });
  const expected: [string, RegExp][] = [
    ['flows.idle_timeout_s', /expected number/],
    ['flows.idle_timout_s', /unknown setting/],
    ['capture.snaplen', />=\s*96/],
    ['capture.ports.1', /<=\s*65535/],
    ['capture.shard.index', /less than shard.count/],
    ['output.hashes.1', /md5|option|expected/],
    ['metrics.listen', /Invalid|pattern|string/],
    ['bogus', /unknown setting/],
  ];
  for (const [path, re] of expected) {
    const hit = p.find((s) => s.startsWith(`${path}: `));
    assert.ok(hit !== undefined, `no problem for ${path} in:\n${p.join('\n')}`);
    assert.match(hit, re);
  }
  assert.equal(p.length, expected.length, p.join('\n'));
});

test('the ConfigError message counts the problems and names the file', () => {
  const path = file('flows: {idle_timeout_s: 0}\n');
  try {
    loadConfig({ path, env: {} });
    assert.fail('loaded');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.message, `configuration ${path}: 1 error`);
    assert.match(err.problems[0]!, /^flows\.idle_timeout_s: .*>=\s*1/);
  }
});

test('YAML syntax errors, non-mappings and unreadable files are problems, not crashes', () => {
  const syntax = problems({ path: file('flows:\n  idle_timeout_s: [1, 2\n') });
  assert.ok(syntax.length >= 1);
  assert.match(syntax[0]!, /:\d+:\d+: invalid YAML/);
  assert.match(problems({ path: file('- a\n- b\n') })[0]!, /must be a mapping of sections, not a list/);
  assert.match(problems({ path: file('{bad json', 'json') })[0]!, /invalid JSON/);
  assert.match(problems({ path: join(dir, 'missing.yaml') })[0]!, /cannot read config file/);
  assert.match(problems({ path: file('flows: {a: 1}\nflows: {b: 2}\n') })[0]!, /invalid YAML/);
});

test('environment MAILTAP_<SECTION>_<KEY>: numbers, booleans, lists, strings kept as written', () => {
  const c = loadConfig({
    env: {
      MAILTAP_FLOWS_IDLE_TIMEOUT_S: '60',
      MAILTAP_CAPTURE_PORTS: '[25,587]',
      MAILTAP_CAPTURE_VERIFY_CHECKSUMS: 'true',
      MAILTAP_CAPTURE_SHARD_COUNT: '4',
      MAILTAP_CAPTURE_SHARD_INDEX: '3',
      MAILTAP_OUTPUT_FILE_MODE: '0600',
      MAILTAP_CAPTURE_INTERFACE: '1',
      MAILTAP_OUTPUT_HASHES: '[sha256]',
      PATH: '/usr/bin',
    },
  });
  assert.equal(c.flows.idle_timeout_s, 60);
  assert.deepEqual(c.capture.ports, [25, 587]);
  assert.equal(c.capture.verify_checksums, true);
  assert.deepEqual(c.capture.shard, { index: 3, count: 4 });
  assert.equal(c.output.file_mode, '0600');
  assert.equal(c.capture.interface, '1');
  assert.deepEqual(c.output.hashes, ['sha256']);
});

test('a single value for a list setting is a list of one', () => {
  assert.deepEqual(loadConfig({ env: { MAILTAP_CAPTURE_PORTS: '2525' } }).capture.ports, [2525]);
  assert.deepEqual(loadConfig({ env: { MAILTAP_OUTPUT_HASHES: 'md5' } }).output.hashes, ['md5']);
  assert.match(problems({ env: { MAILTAP_CAPTURE_PORTS: '{a: 1}' } })[0]!, /^capture\.ports: .*expected array/);
});

test('output.headers: field names in any case (default none); a colon, a space or an empty name is refused', () => {
  assert.deepEqual(defaultConfig().output.headers, []);
  assert.deepEqual(loadConfig({ env: { MAILTAP_OUTPUT_HEADERS: '[X-Spam-Status, list-id]' } }).output.headers, ['X-Spam-Status', 'list-id']);
  for (const bad of ['["X-Bad:"]', '["X Bad"]', '[""]']) {
    assert.match(problems({ env: { MAILTAP_OUTPUT_HEADERS: bad } })[0]!, /^output\.headers\.0: .*header field name/, bad);
  }
  assert.equal(loadConfig({ env: { MAILTAP_LIMITS_HEADER_NAMES: '1' } }).limits.header_names, 1);
  assert.equal(problems({ env: { MAILTAP_LIMITS_HEADER_NAMES: '0' } }).length, 1);
});

test('environment keys map to paths through the schema tree', () => {
  const d = defaultConfig() as unknown as Record<string, unknown>;
  assert.deepEqual(envKeyToPath('MAILTAP_FLOWS_PER_FLOW_HOLDBACK_KB', d), ['flows', 'per_flow_holdback_kb']);
  assert.deepEqual(envKeyToPath('MAILTAP_CAPTURE_SHARD_INDEX', d), ['capture', 'shard', 'index']);
  assert.deepEqual(envKeyToPath('MAILTAP_LIMITS_ANOMALY_EVENTS_PER_SESSION', d), ['limits', 'anomaly_events_per_session']);
  assert.equal(envKeyToPath('MAILTAP_CAPTURE_SHARD', d), null); // a section, not a setting
  assert.equal(envKeyToPath('MAILTAP_NOPE_X', d), null);
});

test('bad environment values are listed with the variable', () => {
  const p = problems({ env: { MAILTAP_FLOWS_IDLE_TIMEOUT_S: 'x', MAILTAP_FLOWS_IDLE: '1', MAILTAP_WORKERS_COUNT: '-1' } });
  assert.equal(p.length, 2, p.join('\n'));
  assert.ok(p.some((s) => /^flows\.idle_timeout_s: .*expected number.*\(from MAILTAP_FLOWS_IDLE_TIMEOUT_S\)$/.test(s)));
  assert.ok(p.some((s) => /^workers\.count: .*>=\s*0.*\(from MAILTAP_WORKERS_COUNT\)$/.test(s)));
});

test('unknown MAILTAP_ names (Kubernetes service variables) are one warning each, never an error', () => {
  const warned: [string, string][] = [];
  const env = {
    MAILTAP_PORT: 'tcp://10.96.0.12:9469',
    MAILTAP_SERVICE_HOST: '10.96.0.12',
    MAILTAP_PORT_9469_TCP_ADDR: '10.96.0.12',
    MAILTAP_FLOWS_IDLE: '1',
    MAILTAP_WORKERS_COUNT: '3',
  };
  const c = loadConfig({ env, onUnknownEnv: (name, msg) => warned.push([name, msg]) });
  assert.equal(c.workers.count, 3, 'the known variable still applies');
  assert.deepEqual(warned.map(([n]) => n), ['MAILTAP_FLOWS_IDLE', 'MAILTAP_PORT', 'MAILTAP_PORT_9469_TCP_ADDR', 'MAILTAP_SERVICE_HOST']);
  assert.match(warned[1]![1], /^MAILTAP_PORT: environment variable names no setting, ignored/);
  assert.doesNotThrow(() => loadConfig({ env }), 'without a listener they are ignored too');
});

test('precedence: defaults < file < flags < environment (SPEC §6)', () => {
  const path = file('capture: {interface: from-file, filter: "tcp"}\nworkers: {count: 2}\noutput: {events: file.ndjson}\n');
  const fileOnly = loadConfig({ path, env: {} });
  assert.equal(fileOnly.capture.interface, 'from-file');
  const flags = { 'capture.interface': 'from-flag', 'workers.count': '5' };
  const withFlags = loadConfig({ path, env: {}, flags });
  assert.equal(withFlags.capture.interface, 'from-flag');
  assert.equal(withFlags.workers.count, 5);
  assert.equal(withFlags.capture.filter, 'tcp'); // untouched by flags
  assert.equal(withFlags.output.events, 'file.ndjson');
  const withEnv = loadConfig({ path, env: { MAILTAP_CAPTURE_INTERFACE: 'from-env', MAILTAP_OUTPUT_EVENTS: '-' }, flags });
  assert.equal(withEnv.capture.interface, 'from-env');
  assert.equal(withEnv.output.events, '-');
  assert.equal(withEnv.workers.count, 5);
});

test('a bad flag value is reported with its key path and source', () => {
  const p = problems({ flags: { 'workers.count': 'many' } });
  assert.deepEqual(p.length, 1);
  assert.match(p[0]!, /^workers\.count: .*expected number.*\(from command line\)$/);
});

test('bounds are enforced at the limit and one past it', () => {
  const edges: [string, number, number][] = [
    // [env name, last valid value, first invalid value]
    ['MAILTAP_CAPTURE_SNAPLEN', 96, 95],
    ['MAILTAP_CAPTURE_SNAPLEN', 262144, 262145],
    ['MAILTAP_WORKERS_COUNT', 256, 257],
    ['MAILTAP_FLOWS_IDLE_TIMEOUT_S', 1, 0],
    ['MAILTAP_FLOWS_REORDER_WINDOW_MS', 0, -1],
    ['MAILTAP_LIMITS_LINE_LENGTH', 64, 63],
    ['MAILTAP_LIMITS_HEADER_BYTES', 1024, 1023],
    ['MAILTAP_CAPTURE_PORTS', 65535, 65536],
  ];
  for (const [name, good, bad] of edges) {
    const wrap = (v: number): string => (name.endsWith('PORTS') ? `[${v}]` : String(v));
    assert.doesNotThrow(() => loadConfig({ env: { [name]: wrap(good) } }), `${name}=${good}`);
    assert.equal(problems({ env: { [name]: wrap(bad) } }).length, 1, `${name}=${bad}`);
  }
});

test('capture.fanout {group, count}: off by default, group 0..65535, never together with a BPF shard or the cap backend', () => {
  assert.deepEqual(defaultConfig().capture.fanout, { group: 25, count: 1 });
  const on = loadConfig({ path: file('capture:\n  fanout: {group: 7, count: 4}\n'), env: {} });
  assert.deepEqual(on.capture.fanout, { group: 7, count: 4 });
  const byEnv = loadConfig({ env: { MAILTAP_CAPTURE_FANOUT_GROUP: '65535', MAILTAP_CAPTURE_FANOUT_COUNT: '2' } });
  assert.deepEqual(byEnv.capture.fanout, { group: 65535, count: 2 });
  assert.match(problems({ env: { MAILTAP_CAPTURE_FANOUT_GROUP: '65536' } })[0]!, /^capture\.fanout\.group: .*65535/);
  assert.match(problems({ env: { MAILTAP_CAPTURE_FANOUT_COUNT: '0' } })[0]!, /^capture\.fanout\.count: .*>=\s*1/);
  // Two splits at once would lose every connection the two hashes place apart.
  const both = problems({ path: file('capture:\n  fanout: {count: 2}\n  shard: {index: 1, count: 2}\n'), env: {} });
  assert.deepEqual(both.map((p) => p.split(':')[0]), ['capture.fanout']);
  assert.match(both[0]!, /either capture\.fanout or capture\.shard/);
  const cap = problems({ path: file('capture:\n  backend: cap\n  fanout: {count: 2}\n'), env: {} });
  assert.deepEqual(cap.map((p) => p.split(':')[0]), ['capture.fanout']);
  assert.match(cap[0]!, /needs capture\.backend native/);
});
