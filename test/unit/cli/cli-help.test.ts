import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS, LOG_LEVELS } from '../../../src/cli/args.js';
import type { CommandName } from '../../../src/cli/args.js';
import { commandHelp } from '../../../src/cli/help.js';
import { libpcapVersion } from '../../../src/cli/build-info.js';
import { createOpLog } from '../../../src/output/oplog.js';
import { formatPretty } from '../../../src/output/pretty-log.js';
import { REPO_ROOT, fixture } from '../../helpers/paths.js';
import { MAIN, ndjson, runCli } from '../../helpers/run-cli.js';

// Issue 14 item 8 (SPEC §2): each command's own help with every option explained, --version with
// the libpcap and Node versions, --log-level everywhere, a readable log on a terminal.

const CMDS = Object.keys(COMMANDS) as CommandName[];
const ESC = String.fromCharCode(27);

test('each command\'s help names every flag it accepts, with its explanation', () => {
  for (const cmd of CMDS) {
    const text = commandHelp(cmd);
    assert.match(text, new RegExp(`^Usage: mailtap ${cmd} `));
    for (const [name, o] of Object.entries(COMMANDS[cmd])) {
      assert.ok(text.includes(`--${name}`), `${cmd} --help shows --${name}`);
      assert.ok(o.doc.length > 15, `--${name} is explained`);
      // The explanation is there, wrapped: compare without line breaks and indentation.
      assert.ok(text.replace(/\n\s+/g, ' ').includes(o.doc), `${cmd} --help explains --${name}`);
    }
    assert.ok(text.includes('--log-level'), `${cmd} takes --log-level`);
  }
});

test('`mailtap read --help` prints read\'s help, not the global usage; `mailtap help flows` works too', async () => {
  const r = await runCli(['read', '--help']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.toString(), commandHelp('read'));
  assert.ok(!r.stdout.toString().includes('mailtap run ['), 'not the global usage');
  const f = await runCli(['help', 'flows']);
  assert.equal(f.code, 0);
  assert.equal(f.stdout.toString(), commandHelp('flows'));
});

test('--version names mailtap, Node.js and libpcap', async () => {
  const v = await runCli(['--version']);
  assert.equal(v.code, 0);
  const lines = v.stdout.toString().trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^mailtap \d+\.\d+\.\d+$/);
  assert.equal(lines[1], `Node.js ${process.versions.node}`);
  assert.equal(lines[2], `libpcap ${libpcapVersion()}`);
  assert.match(lines[2]!, /^libpcap \d+\.\d+/);
});

test('--log-level: warn hides the info lines, an unknown level is exit 1', async () => {
  const session = fixture('seed', 'session.pcap');
  const quiet = await runCli(['read', '--workers', '1', '--log-level', 'warn', session]);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '', 'no info line at warn');
  const normal = await runCli(['read', '--workers', '1', session]);
  assert.ok(ndjson(normal.stderr).some((l) => l['msg'] === 'read finished'));
  const bad = await runCli(['check-config', '--log-level', 'chatty']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--log-level must be one of/);
  assert.deepEqual([...LOG_LEVELS], ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
});

test('read ends with a summary in words; without a terminal: no progress line, NDJSON only', async () => {
  const r = await runCli(['read', '--workers', '1', fixture('real-mail', 'real-mail.pcap')]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes('\r') && !r.stderr.includes('reading '), 'no progress when stderr is a pipe');
  const lines = ndjson(r.stderr);
  const s = lines.find((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('read 1 file: '));
  assert.ok(s !== undefined, r.stderr);
  const events = ndjson(r.stdout);
  const sessions = events.filter((e) => e['event'] === 'smtp_session').length;
  const transactions = events.filter((e) => e['event'] === 'smtp_transaction').length;
  assert.match(String(s['msg']), new RegExp(`^read 1 file: 205 packets, ${sessions} sessions, ${transactions} transactions, 0 anomalies, 0 gaps in (\\d+\\.\\d s|\\d+:\\d\\d)$`));
});

test('on a terminal (a pseudo-terminal from script(1)): progress, then a readable summary line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-tty-'));
  try {
    const cmd = [process.execPath, ...process.execArgv.filter((a) => !a.startsWith('--test')), MAIN, 'read', '--workers', '1', '--events', join(dir, 'e.ndjson'), fixture('real-mail', 'real-mail.pcap')]
      .map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000, cwd: REPO_ROOT, env: { ...process.env, MAILTAP_OUTPUT_UID_SEED: 'tty' } });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = r.stdout;
    // Control sequences spelled out, then matched as plain text: `\r ESC[K` starts each progress
    // draw, the level is coloured (ESC[32m … ESC[0m).
    const plain = out.replaceAll(`${ESC}[K`, '<EL>').replaceAll(`${ESC}[32m`, '<G>').replaceAll(`${ESC}[0m`, '</G>');
    assert.match(plain, /\r<EL>reading [\d.]+\/[\d.]+ MB \(\d+%\) {2}[\d,]+ packets {2}[\d,]+ sessions {2}[\d.]+ MB\/s/, 'a progress line');
    assert.match(plain, /^\d\d:\d\d:\d\d\.\d{3} <G>INFO <\/G> read 1 file: 205 packets, \d+ sessions, \d+ transactions, 0 anomalies, 0 gaps in /m);
    assert.ok(!out.includes('{"level"'), 'no NDJSON on a terminal');
    assert.ok(readFileSync(join(dir, 'e.ndjson'), 'utf8').includes('"event":"smtp_session"'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('formatPretty: time, level, message, then key=value; createOpLog({ pretty }) writes it', () => {
  const line = JSON.stringify({ level: 'warn', time: '2026-12-07T05:17:35.130Z', pid: 1, name: 'mailtap', variable: 'MAILTAP_PORT', n: 3, gate: { a: 1 }, msg: 'hello there' });
  assert.equal(formatPretty(line, false), '05:17:35.130 WARN  hello there  variable=MAILTAP_PORT  n=3  gate={"a":1}\n');
  assert.equal(formatPretty(line, true), '05:17:35.130 \x1b[33mWARN \x1b[0m hello there  variable=MAILTAP_PORT  n=3  gate={"a":1}\n');
  assert.equal(formatPretty('not json', false), 'not json\n');
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-pretty-'));
  try {
    const path = join(dir, 'log');
    const fd = openSync(path, 'w');
    const log = createOpLog({ fd, pretty: true, level: 'info' });
    log.info({ k: 'v' }, 'started');
    log.debug('hidden at info');
    closeSync(fd);
    const text = readFileSync(path, 'utf8');
    assert.match(text.replaceAll(ESC, '<ESC>'), /^\d\d:\d\d:\d\d\.\d{3} <ESC>\[32mINFO <ESC>\[0m started {2}k=v\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
