import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingTools, requireRootAndTools } from '../helpers/netns.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { MAIN } from '../helpers/run-cli.js';

// Issue 14 item 9: the unit's sandbox gained a system-call allow list, /proc limited to processes
// and SysV IPC removal, with the address families the capture needs. systemd-analyze rated the
// unit 3.6 before; it must not get worse. ProcSubset=pid is proved compatible by running a live
// capture under a /proc mounted with subset=pid (what systemd does for it).

const UNIT = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap.service'), 'utf8');

function serviceValues(key: string): string[] {
  return [...UNIT.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);
}

test('the unit sets the syscall filter, ProcSubset, RemoveIPC and the capture address families', () => {
  assert.deepEqual(serviceValues('SystemCallFilter'), ['@system-service']);
  assert.deepEqual(serviceValues('SystemCallErrorNumber'), ['EPERM']);
  assert.deepEqual(serviceValues('ProcSubset'), ['pid']);
  assert.deepEqual(serviceValues('RemoveIPC'), ['yes']);
  assert.deepEqual(serviceValues('RestrictAddressFamilies')[0]!.split(/\s+/).sort(), ['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX']);
});

test('systemd-analyze security: exposure at or under 3.6 (the rating before issue 14)', () => {
  if (missingTools(['systemd-analyze']).length > 0) throw new Error('systemd-analyze is missing; run scripts/install-deps.sh --test (Debian package systemd)');
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-unit-'));
  try {
    const path = join(dir, 'mailtap.service');
    writeFileSync(path, UNIT.replace('ExecStart=/usr/bin/node /opt/mailtap/', `ExecStart=${process.execPath} ${REPO_ROOT}/`));
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', path], { encoding: 'utf8', timeout: 60_000 });
    const out = `${r.stdout}${r.stderr}`;
    const m = /Overall exposure level for mailtap\.service: ([\d.]+)/.exec(out);
    assert.ok(m !== null, out);
    assert.ok(Number(m[1]) <= 3.6, `exposure ${m[1]}`);
    assert.match(out, /✓ ProcSubset=/);
    assert.match(out, /✓ RemoveIPC=/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ProcSubset=pid: `mailtap run` captures on lo and serves /metrics with /proc limited to processes', () => {
  requireRootAndTools(['unshare', 'ip', 'mount']);
  const node = [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--test')), MAIN].map((a) => `'${a}'`).join(' ');
  const fetchJs = (path: string): string => `${process.execPath} -e "fetch('http://127.0.0.1:9469${path}').then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1) }, () => process.exit(1))"`;
  // A private network (lo only), pid and mount namespace: the remount touches only this /proc.
  const script = [
    'set -u',
    'mount -o remount,subset=pid -t proc proc /proc',
    'test -e /proc/meminfo && { echo "subset not applied"; exit 9; }',
    'ip link set lo up',
    `${node} run --interface lo --events /dev/null --workers 1 2>&1 &`,
    'pid=$!',
    `for i in $(seq 1 100); do ${fetchJs('/readyz')} >/dev/null 2>&1 && break; sleep 0.2; done`,
    `echo "readyz: $(${fetchJs('/readyz')})"`,
    fetchJs('/metrics'),
    'kill -TERM $pid; wait $pid; echo "exit $?"',
  ].join('\n');
  const r = spawnSync('unshare', ['-mpfn', '--mount-proc', 'bash', '-c', script], { encoding: 'utf8', timeout: 90_000, cwd: REPO_ROOT });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, out);
  assert.match(out, /readyz: ready/);
  assert.match(out, /^process_resident_memory_bytes \d+/m, 'prom-client reads /proc/self');
  assert.match(out, /^mailtap_build_info\{.*\} 1$/m);
  assert.match(out, /"msg":"capturing on lo"/);
  assert.match(out, /exit 0$/m);
});
