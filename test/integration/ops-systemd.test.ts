import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingTools } from '../helpers/netns.js';
import { REPO_ROOT } from '../helpers/paths.js';

// systemd/mailtap.service is verified by systemd itself (Debian package `systemd`). verify insists
// that ExecStart's binary exists, so a copy points at this machine's node and this checkout; the
// directives under test are otherwise byte-for-byte the shipped ones.

const UNIT = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap.service'), 'utf8');

/** Directive → values, in order, from the [Service] or [Unit] section. */
function directives(section: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const raw of UNIT.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      current = line;
      continue;
    }
    if (current !== `[${section}]`) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    out.set(key, [...(out.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

function localCopy(): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-unit-'));
  const text = UNIT.replace('ExecStart=/usr/bin/node /opt/mailtap/', `ExecStart=${process.execPath} ${REPO_ROOT}/`);
  assert.notEqual(text, UNIT, 'ExecStart has the documented form');
  const path = join(dir, 'mailtap.service');
  writeFileSync(path, text);
  return { dir, path };
}

function analyze(args: string[]): { status: number | null; out: string } {
  if (missingTools(['systemd-analyze']).length > 0) throw new Error('systemd-analyze is missing; run scripts/install-deps.sh --test (Debian package systemd)');
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('systemd-analyze verify: the unit loads with no error and no warning', () => {
  const { dir, path } = localCopy();
  try {
    const r = analyze(['verify', '--man=no', path]);
    assert.equal(r.status, 0, r.out);
    // Unknown or misspelt directives are only warnings ("Unknown key ... ignoring"): none allowed.
    assert.equal(r.out.trim(), '', r.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('systemd-analyze security rates the sandbox OK or better', () => {
  const { dir, path } = localCopy();
  try {
    const r = analyze(['security', '--offline=true', '--no-pager', path]);
    const m = /Overall exposure level for mailtap\.service: ([\d.]+)/.exec(r.out);
    assert.ok(m !== null, r.out);
    assert.ok(Number(m[1]) <= 4.0, `exposure ${m[1]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hardening: own user, exactly the two capture capabilities, read-only system, memory cap', () => {
  const s = directives('Service');
  const one = (k: string): string => {
    const v = s.get(k);
    assert.ok(v !== undefined && v.length === 1, `${k} set once`);
    return v[0]!;
  };
  assert.equal(one('User'), 'mailtap');
  assert.equal(one('Group'), 'mailtap');
  const caps = (k: string): string[] => one(k).split(/\s+/).sort();
  assert.deepEqual(caps('AmbientCapabilities'), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  assert.deepEqual(caps('CapabilityBoundingSet'), ['CAP_NET_ADMIN', 'CAP_NET_RAW']);
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('ProtectSystem'), 'strict');
  assert.equal(one('ProtectHome'), 'yes');
  assert.equal(one('PrivateTmp'), 'yes');
  assert.ok(one('ReadWritePaths').split(/\s+/).includes('/var/log/mailtap'));
  assert.equal(one('Restart'), 'on-failure');
  // A configuration error (exit 1: bad key, a filter libpcap refuses) is never retried.
  assert.ok(one('RestartPreventExitStatus').split(/\s+/).includes('1'));
  assert.match(one('MemoryMax'), /^\d+[KMG]$/);
  // The events file logrotate rotates is the one the service writes, and SIGHUP reopens it.
  assert.match(one('ExecStart'), /--events \/var\/log\/mailtap\/events\.ndjson/);
  assert.equal(one('ExecReload'), '/bin/kill -HUP $MAINPID');
  // V8 needs W+X pages and the capture needs the host network: these must never appear.
  assert.equal(s.get('MemoryDenyWriteExecute'), undefined);
  assert.equal(s.get('PrivateNetwork'), undefined);
});

test('the shipped template with the shard drop-in from docs/operations.md verifies as mailtap@1.service', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
  const env = /^Environment=MAILTAP_CAPTURE_SHARD.*$/m.exec(doc);
  assert.ok(env !== null, 'the guide shows the drop-in line');
  const shipped = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap@.service'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-unit-'));
  try {
    const template = shipped.replace('ExecStart=/usr/bin/node /opt/mailtap/', `ExecStart=${process.execPath} ${REPO_ROOT}/`);
    writeFileSync(join(dir, 'mailtap@.service'), template);
    // `systemctl edit mailtap@` writes the drop-in here; verify reads it with the template.
    mkdirSync(join(dir, 'mailtap@.service.d'));
    writeFileSync(join(dir, 'mailtap@.service.d', 'override.conf'), `[Service]\n${env[0]}\n`);
    // verify loads instances of templates from the directory of the file named.
    const r = analyze(['verify', '--man=no', join(dir, 'mailtap@1.service')]);
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out.trim(), '', r.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('systemd/mailtap@.service (fanout instances) verifies as mailtap@1.service', () => {
  const shipped = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap@.service'), 'utf8');
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-unit-'));
  try {
    const template = shipped.replace('ExecStart=/usr/bin/node /opt/mailtap/', `ExecStart=${process.execPath} ${REPO_ROOT}/`);
    assert.notEqual(template, shipped, 'ExecStart has the documented form');
    writeFileSync(join(dir, 'mailtap@.service'), template);
    const r = analyze(['verify', '--man=no', join(dir, 'mailtap@1.service')]);
    assert.equal(r.status, 0, r.out);
    assert.equal(r.out.trim(), '', r.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
