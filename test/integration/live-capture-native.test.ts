// The native capture backend (capture.backend: native) on a real veth: one end inside a network
// namespace this test creates, where tcpreplay sends hand-built frames; the other end captured here.
// Needs root, tcpreplay and the built addon (npm run build:native), as CI has.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openNativeSource } from '../../src/capture/native-source.js';
import type { NativePacketSource, NativeTuning } from '../../src/capture/native-source.js';
import type { SourceEnd } from '../../src/capture/types.js';
import { createNetns, requireRootAndTools } from '../helpers/netns.js';
import type { Netns } from '../helpers/netns.js';
import { REPO_ROOT } from '../helpers/paths.js';

const STEP_TIMEOUT_MS = 20_000;
/** IFF_PROMISC in /sys/class/net/<if>/flags (linux/if.h). */
const IFF_PROMISC = 0x100;
const KEEP_PORT = 5001;
const OTHER_PORT = 5002;

let ns: Netns | null = null;
let dir = '';
/** The captured end (this namespace) and the sending end (inside `ns`). */
const CAP_IF = `mtnc${process.pid % 100000}`;
const SEND_IF = `mtns${process.pid % 100000}`;

before(() => {
  requireRootAndTools(['ip', 'tcpreplay', 'setpriv']);
  ns = createNetns('mailtap-native');
  dir = mkdtempSync(join(tmpdir(), 'mailtap-native-'));
  const ip = (args: readonly string[]): void => {
    execFileSync('ip', args, { stdio: 'pipe', timeout: STEP_TIMEOUT_MS });
  };
  ip(['link', 'add', CAP_IF, 'type', 'veth', 'peer', 'name', SEND_IF]);
  ip(['link', 'set', SEND_IF, 'netns', ns.name]);
  // IPv6 would send router solicitations from the captured end; the filters keep them out anyway.
  spawnSync('sysctl', ['-qw', `net.ipv6.conf.${CAP_IF}.disable_ipv6=1`], { stdio: 'ignore' });
  ip(['link', 'set', CAP_IF, 'up']);
  ip(['netns', 'exec', ns.name, 'ip', 'link', 'set', SEND_IF, 'up']);
});

after(() => {
  ns?.destroy(); // deleting the namespace deletes the veth pair, both ends
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function macOf(iface: string): Buffer {
  return Buffer.from(readFileSync(`/sys/class/net/${iface}/address`, 'latin1').trim().replaceAll(':', ''), 'hex');
}

/** Ethernet + IPv4 + UDP to `dport`, `total` bytes on the wire, payload bytes = their index. */
function udpFrame(dst: Buffer, dport: number, total: number, id: number): Buffer {
  const f = Buffer.alloc(total);
  dst.copy(f, 0);
  Buffer.from('02000000aa01', 'hex').copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(total - 14, 16);
  f.writeUInt16BE(id & 0xffff, 18);
  f[22] = 64;
  f[23] = 17;
  Buffer.from([10, 99, 0, 1, 10, 99, 0, 2]).copy(f, 26);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += f.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f.writeUInt16BE(~sum & 0xffff, 24);
  f.writeUInt16BE(40000, 34);
  f.writeUInt16BE(dport, 36);
  f.writeUInt16BE(total - 34, 38);
  for (let i = 42; i < total; i++) f[i] = (i + id) & 0xff;
  return f;
}

/** A classic little-endian pcap file of `frames` for tcpreplay. */
function writePcap(name: string, frames: readonly Buffer[]): string {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1, 0);
    rec.writeUInt32LE(i, 4);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, f);
  });
  const path = join(dir, name);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

/** tcpreplay from inside the namespace; resolves with its exit code. */
function replay(pcap: string): Promise<number | null> {
  assert.ok(ns);
  const proc = spawn('ip', ['netns', 'exec', ns.name, 'tcpreplay', '-q', '-t', '-i', SEND_IF, pcap], { stdio: 'ignore' });
  const timer = setTimeout(() => proc.kill('SIGKILL'), STEP_TIMEOUT_MS);
  return new Promise((resolve) =>
    proc.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function open(filter: string, snaplen: number, promiscuous: boolean, tuning?: Partial<NativeTuning>): NativePacketSource {
  return openNativeSource({ interface: CAP_IF, filter, snaplen, buffer_mb: 4, promiscuous, ...(tuning === undefined ? {} : { tuning }) });
}

interface Got {
  ts: number;
  linkType: number;
  caplen: number;
  wirelen: number;
  data: Buffer;
}

test('frames on a veth: caplen/wirelen, BPF filter, timestamps, borrowed views, pcap_stats, prompt stop', { timeout: 60_000 }, async () => {
  const dst = macOf(CAP_IF);
  const sizes = [60, 127, 128, 129, 600, 1514];
  const kept = sizes.map((n, i) => udpFrame(dst, KEEP_PORT, n, i));
  const others = sizes.map((n, i) => udpFrame(dst, OTHER_PORT, n, 100 + i));
  const interleaved = kept.flatMap((k, i) => [others[i]!, k]);
  const pcap = writePcap('mixed.pcap', interleaved);

  const snaplen = 128;
  const src = open(`udp dst port ${KEEP_PORT}`, snaplen, false);
  const got: Got[] = [];
  const views: Buffer[] = [];
  const startUs = Date.now() * 1000;
  const done = src.run((f) => {
    got.push({ ts: f.tsMicros, linkType: f.linkType, caplen: f.caplen, wirelen: f.wirelen, data: Buffer.from(f.data) });
    views.push(f.data);
  });
  assert.equal(await replay(pcap), 0);
  await settle(300); // kernel block timeout + flush are 10 ms each
  const afterUs = Date.now() * 1000;
  const t0 = performance.now();
  src.stop();
  const end: SourceEnd = await done;
  const stopMs = performance.now() - t0;
  assert.deepEqual(end, { kind: 'stopped' });
  assert.ok(stopMs < 2000, `stop() to run resolved took ${stopMs.toFixed(0)} ms`);

  assert.equal(got.length, kept.length, 'exactly the frames the filter keeps');
  let last = 0;
  got.forEach((g, i) => {
    const want = kept[i]!;
    assert.equal(g.linkType, 1);
    assert.equal(g.wirelen, want.length, `frame ${i} wirelen`);
    assert.equal(g.caplen, Math.min(want.length, snaplen), `frame ${i} caplen`);
    assert.ok(g.data.equals(want.subarray(0, g.caplen)), `frame ${i} bytes`);
    assert.ok(g.ts >= last && g.ts >= startUs - 1000 && g.ts <= afterUs + 1000, `frame ${i} timestamp ${g.ts}`);
    last = g.ts;
  });
  assert.ok(views.every((v) => v.length === 0), 'views kept past onFrame read as empty (the batch was detached)');

  const s = src.stats();
  assert.deepEqual({ frames: s.frames, bytes: s.bytes }, { frames: kept.length, bytes: got.reduce((a, g) => a + g.caplen, 0) });
  assert.equal(s.dropsKernel, 0);
  assert.equal(s.dropsInterface, 0);
  const n = src.nativeStats();
  assert.equal(n.recv, kept.length, 'pcap_stats ps_recv: the packets that passed the filter');
  assert.deepEqual([n.drop, n.batchDrops, n.batchDropPackets, n.malformedBytes, n.error], [0, 0, 0, 0, null]);
});

test('promiscuous is honoured: the interface is put in promiscuous mode only when asked', { timeout: 60_000 }, async () => {
  const flags = (): number => Number(readFileSync(`/sys/class/net/${CAP_IF}/flags`, 'latin1').trim());
  assert.equal(flags() & IFF_PROMISC, 0, 'not promiscuous before');
  for (const promiscuous of [false, true]) {
    const src = open(`udp dst port ${KEEP_PORT}`, 256, promiscuous);
    const done = src.run(() => {});
    const during = flags() & IFF_PROMISC;
    src.stop();
    await done;
    assert.equal(during !== 0, promiscuous, `promiscuous: ${promiscuous}, flags during capture ${flags().toString(16)}`);
    assert.equal(flags() & IFF_PROMISC, 0, 'cleared once the capture is closed');
  }
});

/**
 * Whole-batch drops when JavaScript falls behind: one record per batch (batchBytes below the
 * minimum), maxBatches 2, and a handler that blocks on the first frame while the rest arrive.
 * In flight: the batch in the handler and one queued; the next batch is dropped when it is due.
 */
async function blockedRun(frames: number): Promise<{ delivered: number; stats: ReturnType<NativePacketSource['nativeStats']> }> {
  const dst = macOf(CAP_IF);
  const pcap = writePcap(`burst-${frames}.pcap`, Array.from({ length: frames }, (_, i) => udpFrame(dst, KEEP_PORT, 60, i)));
  const src = open(`udp dst port ${KEEP_PORT}`, 128, false, { maxBatches: 2, batchBytes: 1, flushMs: 1, timeoutMs: 1 });
  let delivered = 0;
  const done = src.run(() => {
    if (delivered++ === 0) {
      const until = Date.now() + 1500;
      while (Date.now() < until); // a stalled event loop, as a long GC or a slow handler would be
    }
  });
  const sent = replay(pcap);
  assert.equal(await sent, 0);
  await settle(300);
  src.stop();
  await done;
  return { delivered, stats: src.nativeStats() };
}

test('a stalled handler: maxBatches in flight are kept, one batch past it is dropped whole and counted', { timeout: 60_000 }, async () => {
  const atLimit = await blockedRun(2);
  assert.equal(atLimit.delivered, 2);
  assert.deepEqual([atLimit.stats.batchDrops, atLimit.stats.batchDropPackets, atLimit.stats.drop], [0, 0, 0]);
  const past = await blockedRun(3);
  assert.equal(past.delivered, 2);
  assert.deepEqual([past.stats.batchDrops, past.stats.batchDropPackets, past.stats.batchDropBytes, past.stats.drop], [1, 1, 60, 0]);
  const many = await blockedRun(50);
  assert.equal(many.delivered + many.stats.batchDropPackets + many.stats.drop, 50, 'every packet delivered or counted');
  assert.ok(many.stats.batchDrops >= 47, `batch drops ${many.stats.batchDrops}`);
});

test('an unprivileged user gets a CaptureError naming the interface and the capabilities', { timeout: 60_000 }, () => {
  assert.ok(ns);
  const here = fileURLToPath(import.meta.url);
  const mod = new URL(`../../src/capture/native-source${here.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
  const code = `const { openNativeSource } = await import(${JSON.stringify(mod)});
try { openNativeSource({ interface: ${JSON.stringify(SEND_IF)}, filter: 'tcp', snaplen: 65535, buffer_mb: 4, promiscuous: true }); console.log(JSON.stringify({ opened: true })); }
catch (err) { console.log(JSON.stringify({ name: err.name, code: err.code, message: err.message })); }`;
  const drop = ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all'];
  const r = spawnSync('ip', ['netns', 'exec', ns.name, ...drop, process.execPath, ...process.execArgv, '--input-type=module', '-e', code], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: STEP_TIMEOUT_MS,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { name?: string; code?: string; message?: string };
  assert.equal(out.name, 'CaptureError');
  assert.equal(out.code, 'E_CAPTURE_OPEN');
  assert.ok(out.message?.includes(`"${SEND_IF}"`), out.message);
  assert.match(out.message ?? '', /permission denied .*CAP_NET_RAW and CAP_NET_ADMIN/);
  assert.match(out.message ?? '', /root/);
});
