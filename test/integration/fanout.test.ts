// capture.fanout (Linux PACKET_FANOUT, hash mode) with real processes (issue 14, "Scale-out across
// processes"): in a sensor namespace this test creates, two `mailtap run` processes join one fanout
// group on a veth whose other end, in a sender namespace, gets a tcpreplay of real captures from
// test/fixtures. Each connection's events appear in exactly one process, both get some, and their
// union equals what a single process (no fanout) reports for the same replay.
// Needs root, ip, tcpreplay, ethtool and the built addon (npm run build:native), as CI has.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, linkVeth, requireRootAndTools, setOffloads, spawnIn } from '../helpers/netns.js';
import type { Netns, NetnsProc } from '../helpers/netns.js';
import { fixture } from '../helpers/paths.js';
import { MAIN } from '../helpers/run-cli.js';

/** Seventeen SMTP connections (IPv4 and IPv6, ports 25, 465, 587, 2525) from eight captures. */
const CAPTURES = [
  fixture('real-mail', 'real-mail.pcap'),
  fixture('corpus', 'zeek', 'testing', 'btest', 'Traces', 'smtp.pcap'),
  fixture('corpus', 'suricata-verify', 'tests', 'smtp-errors', 'smtperr.pcap'),
  fixture('corpus', 'suricata-verify', 'tests', 'mime', 'mime-stream-depth', 'input.pcap'),
  fixture('seed', 'session.pcap'),
  fixture('seed', 'message.pcap'),
  fixture('corpus', 'suricata-verify', 'tests', 'smtp-rfc2231', 'input.pcap'),
  fixture('corpus', 'suricata-verify', 'tests', 'smtp-data-rejected', '10.7.29.101_49898-178.63.41.150_25.pcap'),
];
const SEND_IF = 'snd0';
const CAP_IF = 'cap0';
const GROUP = 4242;
/** Fixed rate: the captures' own timing spans minutes; 2000 packets/s loses nothing on a veth. */
const REPLAY_PPS = '2000';
const START_MS = 60_000;
const REPLAY_MS = 120_000;
/** After the replay: time for the capture thread's last batch and the workers. */
const SETTLE_MS = 2_000;
const STOP_MS = 60_000;

let sender: Netns | null = null;
let sensor: Netns | null = null;
let dir = '';
const procs: NetnsProc[] = [];

before(() => {
  requireRootAndTools(['ip', 'tcpreplay', 'ethtool']);
  dir = mkdtempSync(join(tmpdir(), 'mailtap-fanout-'));
  sender = createNetns('mailtap-fo-send');
  sensor = createNetns('mailtap-fo-sensor');
  linkVeth(sender, SEND_IF, sensor, CAP_IF);
  // GRO would merge replayed segments before the capture sees them (docs/operations.md "Offloads").
  setOffloads(sensor, CAP_IF, false);
  setOffloads(sender, SEND_IF, false);
});

after(() => {
  for (const p of procs) p.child.kill('SIGKILL');
  sender?.destroy();
  sensor?.destroy(); // the veth pair goes with the namespaces
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

function writeConfig(name: string, fanout: boolean): string {
  const path = join(dir, `${name}.yaml`);
  const lines = ['capture:', `  interface: ${CAP_IF}`];
  if (fanout) lines.push(`  fanout: {group: ${GROUP}, count: 2}`);
  lines.push('workers:', '  count: 1', 'metrics:', '  enabled: false', '');
  writeFileSync(path, lines.join('\n'));
  return path;
}

async function startMailtap(name: string, fanout: boolean): Promise<{ proc: NetnsProc; events: string }> {
  assert.ok(sensor !== null);
  const events = join(dir, `${name}.ndjson`);
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const proc = spawnIn(sensor, [process.execPath, ...execArgv, MAIN, 'run', '--config', writeConfig(name, fanout), '--events', events]);
  procs.push(proc);
  const line = await proc.waitLine((l) => l.includes(`"capturing on ${CAP_IF}"`), `${name} to capture`, START_MS);
  const started = JSON.parse(line) as Json;
  assert.equal(started['backend'], 'native');
  if (fanout) assert.deepEqual(started['fanout'], { group: GROUP, count: 2 });
  return { proc, events };
}

function replay(): void {
  assert.ok(sender !== null);
  const r = sender.exec(['tcpreplay', '-q', '-i', SEND_IF, '--pps', REPLAY_PPS, ...CAPTURES], REPLAY_MS);
  assert.equal(r.status, 0, `tcpreplay: ${r.stderr}`);
}

async function stop(proc: NetnsProc, name: string): Promise<void> {
  proc.child.kill('SIGTERM');
  const code = await Promise.race([proc.exit, new Promise<string>((r) => setTimeout(() => r('timeout'), STOP_MS).unref())]);
  assert.equal(code, 0, `${name} exit after SIGTERM; log:\n${proc.lines.join('\n')}`);
}

function readEvents(path: string): Json[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Json);
}

/** The connection an event belongs to, direction-free. */
function connection(e: Json): string {
  const a = `${String(e['src_ip'])}|${String(e['src_port'])}`;
  const b = `${String(e['dst_ip'])}|${String(e['dst_port'])}`;
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

/** The event without what differs between two replays or two processes: times and uids. */
function comparable(e: Json): string {
  const { time: _t, ts: _ts, uid: _u, start: _s, end: _e, duration: _d, ...rest } = e;
  return JSON.stringify(rest);
}

test('two processes in one fanout group split the connections; their union is one process\'s events', { timeout: 600_000 }, async (t) => {
  const a = await startMailtap('fanout-a', true);
  const b = await startMailtap('fanout-b', true);
  replay();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  await stop(a.proc, 'fanout-a');
  await stop(b.proc, 'fanout-b');

  const single = await startMailtap('single', false);
  replay();
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  await stop(single.proc, 'single');

  const evA = readEvents(a.events);
  const evB = readEvents(b.events);
  const evOne = readEvents(single.events);
  const connsA = new Set(evA.map(connection));
  const connsB = new Set(evB.map(connection));
  const connsOne = new Set(evOne.map(connection));
  t.diagnostic(`connections: ${connsA.size} + ${connsB.size} with fanout, ${connsOne.size} alone; events: ${evA.length} + ${evB.length}, ${evOne.length} alone`);
  assert.ok(connsOne.size >= 15, `the single process saw the replayed SMTP connections: ${connsOne.size}`);
  assert.ok(connsA.size > 0 && connsB.size > 0, `both processes got connections: ${connsA.size} and ${connsB.size}`);
  const both = [...connsA].filter((c) => connsB.has(c));
  assert.deepEqual(both, [], 'no connection reached both processes');
  assert.deepEqual([...connsA, ...connsB].sort(), [...connsOne].sort(), 'together they saw every connection');
  const union = [...evA, ...evB].map(comparable).sort();
  assert.deepEqual(union, evOne.map(comparable).sort(), 'the same events, field by field (times and uids aside)');
});
