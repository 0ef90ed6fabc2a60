import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { missingTools } from '../helpers/netns.js';
import { REPO_ROOT } from '../helpers/paths.js';

// config/logrotate/mailtap, run by the real logrotate (Debian package `logrotate`, installed by
// scripts/install-deps.sh --test): first as shipped in debug mode, then for real on a temporary
// directory against a writer that reopens its file on SIGHUP exactly as `mailtap run` does.

const CONF = readFileSync(join(REPO_ROOT, 'config', 'logrotate', 'mailtap'), 'utf8');
const POSTROTATE = "systemctl kill --signal=HUP 'mailtap*.service' >/dev/null 2>&1 || true";

/** Appends numbered lines; on SIGHUP closes and reopens the path; on SIGTERM prints the count. */
const WRITER = `
const fs = require('node:fs');
const path = process.argv[1];
let fd = fs.openSync(path, 'a', 0o640);
let n = 0;
process.on('SIGHUP', () => { fs.closeSync(fd); fd = fs.openSync(path, 'a', 0o640); });
process.on('SIGTERM', () => { fs.closeSync(fd); process.stdout.write(String(n)); process.exit(0); });
setInterval(() => { fs.writeSync(fd, JSON.stringify({ event: 'smtp_session', n: n++ }) + '\\n'); }, 2);
process.stdout.write('ready\\n');
`;

function logrotate(args: string[]): { status: number | null; out: string } {
  if (missingTools(['logrotate']).length > 0 && missingTools(['/usr/sbin/logrotate']).length > 0) {
    throw new Error('logrotate is missing; run scripts/install-deps.sh --test (Debian package logrotate)');
  }
  const bin = missingTools(['logrotate']).length === 0 ? 'logrotate' : '/usr/sbin/logrotate';
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('the policy renames and signals; it never copies and truncates', () => {
  assert.match(CONF, /^\s*nocopytruncate\s*$/m);
  const directives = CONF.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
  assert.doesNotMatch(directives.replace(/nocopytruncate/g, ''), /copytruncate/);
  assert.ok(CONF.includes(POSTROTATE));
  assert.match(CONF, /^\/var\/log\/mailtap\/\*\.ndjson \{/m);
});

test('logrotate -d parses the shipped file without an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-lr-'));
  try {
    const r = logrotate(['-d', '-s', join(dir, 'state'), join(REPO_ROOT, 'config', 'logrotate', 'mailtap')]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /rotating pattern: \/var\/log\/mailtap\/\*\.ndjson/);
    assert.doesNotMatch(r.out, /^error:/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a forced rotation under load loses and duplicates no line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-lr-'));
  const events = join(dir, 'events.ndjson');
  const child = spawn(process.execPath, ['-e', WRITER, events], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    for (let i = 0; i < 200 && !out.includes('ready'); i++) await sleep(10);
    assert.ok(out.includes('ready'), 'writer started');
    await sleep(100);
    const conf = join(dir, 'mailtap.conf');
    writeFileSync(conf, CONF.replace('/var/log/mailtap/', `${dir}/`).replace(POSTROTATE, `kill -HUP ${child.pid}`), { mode: 0o644 });
    const r = logrotate(['-f', '-s', join(dir, 'state'), conf]);
    assert.equal(r.status, 0, r.out);
    await sleep(100);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    const written = Number(out.replace('ready\n', ''));
    const files = readdirSync(dir).filter((f) => f.startsWith('events.ndjson'));
    const rotated = files.filter((f) => /^events\.ndjson-\d{8}-\d+$/.test(f));
    assert.equal(rotated.length, 1, `one rotated file (delaycompress leaves it plain): ${files.join(' ')}`);
    assert.ok(files.includes('events.ndjson'), 'the writer reopened a new events.ndjson after SIGHUP');
    const lines = [...rotated, 'events.ndjson'].flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== ''));
    const ns = lines.map((l) => (JSON.parse(l) as { n: number }).n);
    assert.ok(written > 0 && readFileSync(join(dir, 'events.ndjson'), 'utf8').length > 0, 'lines after the rotation');
    assert.deepEqual(ns, Array.from({ length: written }, (_, i) => i));
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
