// Issue 5, proof on real mail software: capture.sh records Postfix (with Dovecot SASL) receiving
// mail from swaks and Python's smtplib inside a private network namespace; `mailtap read` on that
// capture must report what the clients sent (expected.json). Runs as root (CI does); a missing
// privilege or tool fails the test with the reason, nothing is skipped.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createNetns, netnsNames, requireRootAndTools } from '../../helpers/netns.js';
import { FIXTURES, REPO_ROOT } from '../../helpers/paths.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';
import { assertNoSecrets, checkRealMailEvents } from './check-events.js';
import { loadExpected } from './expected.js';

const CAPTURE_SH = join(REPO_ROOT, 'test', 'integration', 'real-mail', 'capture.sh');
const TOOLS = ['ip', 'tcpdump', 'postfix', 'postconf', 'dovecot', 'doveadm', 'swaks', 'openssl', 'python3', 'timeout', 'ss'];
/** capture.sh bounds each step itself; this bounds the whole run (it takes ~10 s). */
const CAPTURE_TIMEOUT_MS = 240_000;
const NS_PREFIX = 'mailtap-realmail-';

interface ScriptResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

function runScript(argv: readonly string[], timeoutMs: number): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGTERM' });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

async function readAndCheck(pcap: string, expectedPath: string): Promise<void> {
  const expected = loadExpected(expectedPath);
  const res = await runCli(['read', pcap]);
  assert.equal(res.code, 0, `mailtap read exited ${String(res.code)}: ${res.stderr.slice(0, 2000)}`);
  checkRealMailEvents(res.stdout.toString('utf8'), res.stderr, expected);
}

test('committed real-mail capture: mailtap read reports what the clients sent', async () => {
  const dir = join(FIXTURES, 'real-mail');
  await readAndCheck(join(dir, 'real-mail.pcap'), join(dir, 'expected.json'));
});

test('committed real-mail capture through standard input (tcpdump -w - | mailtap read -)', async () => {
  const dir = join(FIXTURES, 'real-mail');
  const expected = loadExpected(join(dir, 'expected.json'));
  const res = await runCli(['read', '-'], { stdin: readFileSync(join(dir, 'real-mail.pcap')) });
  assert.equal(res.code, 0, res.stderr.slice(0, 2000));
  checkRealMailEvents(res.stdout.toString('utf8'), res.stderr, expected);
});

test('committed real-mail capture: mailtap flows sees every connection whole and as SMTP', async () => {
  const dir = join(FIXTURES, 'real-mail');
  const expected = loadExpected(join(dir, 'expected.json'));
  const res = await runCli(['flows', join(dir, 'real-mail.pcap')]);
  assert.equal(res.code, 0, res.stderr.slice(0, 2000));
  const flows = ndjson(res.stdout);
  assert.equal(flows.length, expected.sessions.length);
  for (const f of flows) {
    assert.equal(f['smtp'], true, `flow ${String(f['uid'])} recognised as SMTP`);
    assert.equal(f['gap_bytes'], 0, `flow ${String(f['uid'])} has no gap despite unfinished checksums`);
    assert.equal(f['midstream'], false);
    assert.equal(f['one_sided'], undefined);
  }
  const ports = flows.map((f) => f['dst_port']).sort();
  assert.deepEqual(ports, expected.sessions.map((s) => s.server_port).sort());
});

test('committed real-mail capture: the password check is not vacuous (log_passwords on shows it)', async () => {
  const dir = join(FIXTURES, 'real-mail');
  const expected = loadExpected(join(dir, 'expected.json'));
  const res = await runCli(['read', join(dir, 'real-mail.pcap')], { env: { MAILTAP_OUTPUT_LOG_PASSWORDS: 'true' } });
  assert.equal(res.code, 0, res.stderr.slice(0, 2000));
  const text = res.stdout.toString('utf8');
  assert.ok(text.includes(expected.sasl.password), 'with log_passwords the AUTH password is written');
  assert.throws(() => assertNoSecrets(text, expected, 'the events'), /password form/);
});

test('namespace helper: a private loopback with 127.0.0.1 and ::1, deleted afterwards', () => {
  requireRootAndTools(['ip']);
  const ns = createNetns('mailtap-helper');
  try {
    const r = ns.exec(['ip', '-o', 'addr', 'show', 'dev', 'lo']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /inet 127\.0\.0\.1\//);
    assert.match(r.stdout, /inet6 ::1\//);
    const links = ns.exec(['ip', '-o', 'link', 'show']);
    assert.equal(links.stdout.trim().split('\n').length, 1, 'only lo exists inside the namespace');
  } finally {
    ns.destroy();
  }
  assert.ok(!netnsNames().includes(ns.name), 'namespace deleted');
});

test('live: Postfix, swaks and smtplib in a namespace, captured and read back', async () => {
  requireRootAndTools(TOOLS);
  const before = new Set(netnsNames().filter((n) => n.startsWith(NS_PREFIX)));
  const out = mkdtempSync(join(tmpdir(), 'mailtap-realmail-out-'));
  try {
    const res = await runScript([CAPTURE_SH, out], CAPTURE_TIMEOUT_MS);
    assert.equal(res.code, 0, `capture.sh failed (code ${String(res.code)}, signal ${String(res.signal)}):\n${res.output}`);
    const leftover = netnsNames().filter((n) => n.startsWith(NS_PREFIX) && !before.has(n));
    assert.deepEqual(leftover, [], 'capture.sh deleted its namespace');
    const pcap = join(out, 'real-mail.pcap');
    assert.ok(existsSync(pcap) && statSync(pcap).size > 0, 'capture written');
    await readAndCheck(pcap, join(out, 'expected.json'));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
