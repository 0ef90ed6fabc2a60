// Live capture through libpcap (npm cap) inside a private network namespace: real packets on a
// namespace-local loopback, and the privilege error for an unprivileged user. Needs root (CI).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NS = `mailtap-test-${process.pid}`;
const PORT = 2525;
const STEP_TIMEOUT_MS = 20_000;
const isRoot = process.getuid?.() === 0;
let nsCreated = false;

const here = fileURLToPath(import.meta.url);
const CHILD = join(here, '..', 'fixtures', `live-child${here.endsWith('.ts') ? '.ts' : '.js'}`);
/** The same node and loader flags as this test (`--import tsx` in development, none from dist). */
const NODE = [process.execPath, '--expose-gc', ...process.execArgv];

function requireRoot(): void {
  assert.ok(isRoot, 'live-capture tests need root (network namespaces and packet capture); run them as root as CI does');
  assert.ok(nsCreated, `network namespace ${NS} was not created`);
}

before(() => {
  if (!isRoot) return;
  execFileSync('ip', ['netns', 'add', NS], { timeout: STEP_TIMEOUT_MS });
  nsCreated = true;
  execFileSync('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up'], { timeout: STEP_TIMEOUT_MS });
});

after(() => {
  if (nsCreated) execFileSync('ip', ['netns', 'del', NS], { timeout: STEP_TIMEOUT_MS });
});

interface Child {
  lines: string[];
  /** Resolves with the next stdout line (or rejects on timeout / exit). */
  nextLine(): Promise<string>;
  closeStdin(): void;
  exit: Promise<number | null>;
}

function startInNs(prefix: readonly string[], args: readonly string[]): Child {
  const argv = ['netns', 'exec', NS, ...prefix, ...NODE, CHILD, ...args];
  const proc = spawn('ip', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  const timer = setTimeout(() => proc.kill('SIGKILL'), STEP_TIMEOUT_MS);
  let stderr = '';
  let buf = '';
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (s: string) => (stderr += s));
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (s: string) => {
    buf += s;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
    }
  });
  const exit = new Promise<number | null>((resolve) =>
    proc.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 && code !== 2) process.stderr.write(`live child stderr:\n${stderr}\n`);
      resolve(code);
    }),
  );
  return {
    lines,
    nextLine: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift()!)
        : Promise.race([
            new Promise<string>((resolve) => waiters.push(resolve)),
            exit.then((code) => Promise.reject(new Error(`child exited (${code}) before writing a line; stderr: ${stderr}`))),
          ]),
    closeStdin: () => proc.stdin.end(),
    exit,
  };
}

interface CapturedFrame {
  ts: number;
  linkType: number;
  caplen: number;
  wirelen: number;
  data: string;
}

test('captures TCP payloads on a namespace loopback with non-decreasing timestamps', { timeout: 60_000 }, async () => {
  requireRoot();
  const cap = startInNs([], ['capture', 'lo', `tcp port ${PORT}`]);
  assert.deepEqual(JSON.parse(await cap.nextLine()), { ready: true });
  const payloads = {
    client: ['EHLO mailtap-live-test.example\r\n', 'MAIL FROM:<live@mailtap.test>\r\n'],
    server: ['220 mailtap-live-banner ESMTP\r\n'],
  };
  const startUs = Date.now() * 1000;
  const traffic = startInNs([], ['traffic', String(PORT), JSON.stringify(payloads)]);
  assert.equal(await traffic.exit, 0);
  // let the last packets reach the capture before stopping it
  await new Promise((r) => setTimeout(r, 300));
  const afterUs = Date.now() * 1000;
  cap.closeStdin();
  const result = JSON.parse(await cap.nextLine()) as { end: { kind: string }; frames: CapturedFrame[]; stats: { frames: number } };
  assert.equal(await cap.exit, 0);
  assert.deepEqual(result.end, { kind: 'stopped' });
  assert.ok(result.frames.length >= 6, `frames: ${result.frames.length}`); // handshake, data, FINs
  assert.equal(result.stats.frames, result.frames.length);
  const all = Buffer.concat(result.frames.map((f) => Buffer.from(f.data, 'base64')));
  for (const p of [...payloads.client, ...payloads.server]) assert.ok(all.includes(p), `payload ${JSON.stringify(p)} captured`);
  let last = 0;
  for (const f of result.frames) {
    assert.equal(f.linkType, 1); // Linux loopback is DLT_EN10MB
    assert.equal(f.caplen, Buffer.from(f.data, 'base64').length);
    assert.equal(f.wirelen, f.caplen);
    assert.ok(f.ts >= last, 'timestamps never decrease');
    assert.ok(f.ts >= startUs - 1000 && f.ts <= afterUs + 1000, `timestamp ${f.ts} within the exchange`);
    last = f.ts;
  }
  // the filter kept everything else out: every frame is TCP (IPv4 protocol 6) to or from the port
  for (const f of result.frames) {
    const d = Buffer.from(f.data, 'base64');
    assert.equal(d.readUInt16BE(12), 0x0800);
    assert.equal(d[23], 6);
    const ihl = (d[14]! & 0x0f) * 4;
    const sport = d.readUInt16BE(14 + ihl);
    const dport = d.readUInt16BE(16 + ihl);
    assert.ok(sport === PORT || dport === PORT);
  }
});

test('an unprivileged user gets a CaptureError naming the interface and the capability', { timeout: 60_000 }, async () => {
  requireRoot();
  const drop = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all'];
  const child = startInNs(drop, ['capture', 'lo', `tcp port ${PORT}`]);
  const out = JSON.parse(await child.nextLine()) as { error?: { name: string; code: string; message: string }; failedHandles: number };
  assert.equal(await child.exit, 2); // not 134: the garbage collector did not abort the process
  assert.equal(out.failedHandles, 1);
  assert.ok(out.error, 'open failed');
  assert.equal(out.error.name, 'CaptureError');
  assert.equal(out.error.code, 'E_CAPTURE_OPEN');
  assert.ok(out.error.message.includes('"lo"'), out.error.message);
  assert.match(out.error.message, /CAP_NET_RAW/);
  assert.match(out.error.message, /root/);
});
