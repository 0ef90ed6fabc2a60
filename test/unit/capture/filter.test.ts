import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { buildCaptureFilter, defaultFilterLink, defaultPortsFilter, shardClause } from '../../../src/capture/filter.js';
import type { FilterLink } from '../../../src/capture/filter.js';
import { LinkType } from '../../../src/capture/types.js';
import { defaultConfig } from '../../../src/config/schema.js';
import type { CaptureConfig } from '../../../src/config/types.js';
import { TCP_ACK, TCP_PSH, TCP_SYN, classicPcap, ethernet, sll, tcp4, tcp6 } from '../../helpers/frames.js';
import type { VlanTag } from '../../helpers/frames.js';

// Every filter is compiled and run by the real libpcap through tcpdump (a CI dependency): text
// that merely looks right proves nothing about BPF offsets.

/** The kernel refuses classic BPF programs longer than this (BPF_MAXINSNS). */
const BPF_MAXINSNS = 4096;

function capture(over: Partial<CaptureConfig> = {}): CaptureConfig {
  return {
    interface: 'eth0',
    filter: '',
    snaplen: 65535,
    buffer_mb: 64,
    promiscuous: true,
    ports: [25, 465, 587, 2525],
    backend: 'cap',
    verify_checksums: false,
    max_tunnel_depth: 4,
    fanout: { group: 25, count: 1 },
    shard: { index: 0, count: 1 },
    ...over,
  };
}

/** Compiles with tcpdump -d for the DLT; returns the instruction count. */
function compile(filter: string, dlt: string): number {
  const out = execFileSync('tcpdump', ['-d', '-y', dlt, filter], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter((l) => l.startsWith('(')).length;
}

/** Runs the filter over a pcap with tcpdump (stdin to stdout) and returns the kept frames. */
function runFilter(pcap: Buffer, filter: string): Buffer[] {
  const out = execFileSync('tcpdump', ['-r', '-', '-w', '-', filter], { input: pcap, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const frames: Buffer[] = [];
  assert.equal(out.readUInt32LE(0), 0xa1b2c3d4, 'tcpdump writes little-endian microsecond pcap');
  for (let off = 24; off + 16 <= out.length; ) {
    const len = out.readUInt32LE(off + 8);
    frames.push(out.subarray(off + 16, off + 16 + len));
    off += 16 + len;
  }
  return frames;
}

type Tagging = 'none' | 'dot1q' | 'qinq' | 'qinq9100' | 'mixed';

interface FlowSpec {
  v6: boolean;
  client: string;
  server: string;
  cport: number;
  sport: number;
  tagging: Tagging;
  ipOptions: boolean;
}

interface Labelled {
  flow: number;
  dir: 'c2s' | 's2c';
}

function tags(t: Tagging, dir: 'c2s' | 's2c'): VlanTag[] {
  switch (t) {
    case 'none':
      return [];
    case 'dot1q':
      return [{ id: 100 }];
    case 'qinq':
      return [{ id: 200, tpid: 0x88a8 }, { id: 10 }];
    case 'qinq9100':
      return [{ id: 300, tpid: 0x9100 }, { id: 11 }];
    case 'mixed':
      return dir === 'c2s' ? [{ id: 42 }] : []; // SPAN of a trunk port one way, an access port back
  }
}

/** Deterministic flows: IPv4 and IPv6, every tagging, SMTP ports, some IPv4 headers with options. */
function makeFlows(n: number, ports: readonly number[]): FlowSpec[] {
  let seed = 0x2545f491;
  const rnd = (mod: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % mod;
  };
  const taggings: Tagging[] = ['none', 'dot1q', 'qinq', 'qinq9100', 'mixed'];
  const flows: FlowSpec[] = [];
  for (let i = 0; i < n; i++) {
    const v6 = i % 2 === 1;
    const client = v6 ? `2001:db8:${rnd(65536).toString(16)}::${rnd(65536).toString(16)}` : `10.${rnd(256)}.${rnd(256)}.${1 + rnd(254)}`;
    const server = v6 ? `2001:db8:ffff::${(1 + rnd(65535)).toString(16)}` : `192.0.2.${1 + rnd(254)}`;
    flows.push({ v6, client, server, cport: 1024 + rnd(64000), sport: ports[i % ports.length]!, tagging: taggings[i % taggings.length]!, ipOptions: !v6 && i % 3 === 0 });
  }
  return flows;
}

/** Four packets per flow, both directions, each unique (seq), labelled by flow and direction. */
function flowFrames(flows: readonly FlowSpec[], wrap: 'ethernet' | 'sll'): { frames: Buffer[]; labels: Map<string, Labelled> } {
  const frames: Buffer[] = [];
  const labels = new Map<string, Labelled>();
  flows.forEach((f, flow) => {
    const steps: { dir: 'c2s' | 's2c'; flags: number; payload: string }[] = [
      { dir: 'c2s', flags: TCP_SYN, payload: '' },
      { dir: 's2c', flags: TCP_SYN | TCP_ACK, payload: '' },
      { dir: 's2c', flags: TCP_ACK | TCP_PSH, payload: '220 mx ESMTP\r\n' },
      { dir: 'c2s', flags: TCP_ACK | TCP_PSH, payload: 'EHLO client\r\n' },
    ];
    steps.forEach((s, k) => {
      const c2s = s.dir === 'c2s';
      const [src, dst] = c2s ? [f.client, f.server] : [f.server, f.client];
      const tcp = { srcPort: c2s ? f.cport : f.sport, dstPort: c2s ? f.sport : f.cport, seq: flow * 100 + k, flags: s.flags, payload: s.payload };
      const ip = f.v6 ? tcp6(tcp, { src, dst }) : tcp4(tcp, { src, dst, options: f.ipOptions ? Buffer.from([1, 1, 1, 0, 1, 1, 1, 1]) : undefined });
      const frame = wrap === 'ethernet' ? ethernet(ip, { vlans: tags(f.tagging, s.dir) }) : sll(ip);
      frames.push(frame);
      labels.set(frame.toString('hex'), { flow, dir: s.dir });
    });
  });
  return { frames, labels };
}

/** Asserts the N shards partition the labelled frames with every connection whole in one shard. */
function assertPartition(pcap: Buffer, labels: Map<string, Labelled>, filterFor: (i: number) => string, count: number): void {
  const seen = new Map<string, number>();
  const shardOfFlow = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    for (const frame of runFilter(pcap, filterFor(i))) {
      const key = frame.toString('hex');
      const label = labels.get(key);
      assert.ok(label !== undefined, `shard ${i} kept a frame that was not expected`);
      assert.equal(seen.get(key), undefined, `flow ${label.flow} ${label.dir}: one frame in shards ${seen.get(key)} and ${i}`);
      seen.set(key, i);
      const prev = shardOfFlow.get(label.flow);
      assert.ok(prev === undefined || prev === i, `flow ${label.flow} split across shards ${prev} and ${i}`);
      shardOfFlow.set(label.flow, i);
    }
  }
  assert.equal(seen.size, labels.size, 'every frame lands in exactly one shard');
  for (let i = 0; i < count; i++) assert.ok([...shardOfFlow.values()].includes(i), `shard ${i} got no connection`);
}

test('default filter: every SMTP port, untagged and behind one or two VLAN tags, nested', () => {
  const f = defaultPortsFilter([587, 25, 25]);
  assert.equal(f, '(tcp port 25 or tcp port 587) or (vlan and ((tcp port 25 or tcp port 587) or (vlan and ((tcp port 25 or tcp port 587)))))');
  assert.equal(defaultPortsFilter([25], 'ip'), '(tcp port 25)');
  assert.equal(defaultPortsFilter([], 'ip'), '(tcp)');
  assert.equal(buildCaptureFilter(capture({ ports: [25] })), defaultPortsFilter([25]));
});

test('a user filter is used as written; one shard adds nothing', () => {
  assert.equal(buildCaptureFilter(capture({ filter: ' tcp ' })), 'tcp');
  assert.equal(buildCaptureFilter(capture({ filter: 'tcp', shard: { index: 0, count: 1 } })), 'tcp');
  const sharded = buildCaptureFilter(capture({ filter: 'tcp port 25', shard: { index: 2, count: 4 } }));
  assert.equal(sharded, `(tcp port 25) and (${shardClause(2, 4, 'ethernet')})`);
});

test('the link follows the interface: `any` is Linux cooked, where ether[] and vlan do not exist', () => {
  assert.equal(defaultFilterLink(capture({ interface: 'any' })), 'ip');
  assert.equal(defaultFilterLink(capture({ interface: 'eth0' })), 'ethernet');
  assert.ok(!buildCaptureFilter(capture({ interface: 'any', shard: { index: 0, count: 2 } })).includes('ether['));
});

test('every produced filter compiles with libpcap and fits the kernel BPF limit', () => {
  const cases: { cfg: CaptureConfig; dlts: string[] }[] = [];
  const filters = ['', 'tcp', 'tcp port 25 or (vlan and tcp port 25)', 'host 192.0.2.1 and tcp'];
  for (const filter of filters) {
    for (const count of [1, 2, 3, 7, 64]) {
      for (const index of new Set([0, 1, count - 1])) {
        if (index >= count) continue;
        cases.push({ cfg: capture({ filter, shard: { index, count } }), dlts: ['EN10MB'] });
        if (!filter.includes('vlan')) cases.push({ cfg: capture({ interface: 'any', filter, shard: { index, count } }), dlts: ['LINUX_SLL', 'LINUX_SLL2', 'RAW'] });
      }
    }
  }
  cases.push({ cfg: capture({ ports: [] }), dlts: ['EN10MB'] });
  for (const { cfg, dlts } of cases) {
    const f = buildCaptureFilter(cfg);
    for (const dlt of dlts) {
      const n = compile(f, dlt);
      assert.ok(n > 1 && n <= BPF_MAXINSNS, `${dlt}: ${n} instructions for ${f}`);
    }
  }
});

test('default filter on real frames: tagged and QinQ SMTP kept, other ports dropped', () => {
  const { frames, labels } = flowFrames(makeFlows(20, [25, 465, 587, 2525]), 'ethernet');
  const others = flowFrames(makeFlows(10, [80, 443, 26]), 'ethernet').frames;
  const pcap = classicPcap(LinkType.ETHERNET, [...frames, ...others]);
  const kept = runFilter(pcap, buildCaptureFilter(capture()));
  assert.equal(kept.length, frames.length);
  for (const k of kept) assert.ok(labels.has(k.toString('hex')));
  // The plain filter the default replaces misses every tagged frame (why VLAN variants exist).
  const plain = runFilter(pcap, 'tcp port 25 or tcp port 465 or tcp port 587 or tcp port 2525');
  const untagged = frames.filter((f) => f.readUInt16BE(12) !== 0x8100 && f.readUInt16BE(12) !== 0x88a8 && f.readUInt16BE(12) !== 0x9100);
  assert.equal(plain.length, untagged.length);
  assert.ok(untagged.length < frames.length);
});

test('3 shards on Ethernet: each connection whole in exactly one shard (IPv4, IPv6, tags, IP options)', () => {
  const { frames, labels } = flowFrames(makeFlows(90, [25, 587]), 'ethernet');
  const pcap = classicPcap(LinkType.ETHERNET, frames);
  assertPartition(pcap, labels, (i) => buildCaptureFilter(capture({ shard: { index: i, count: 3 } })), 3);
});

test('shards stay symmetric behind a user filter that uses the vlan keyword', () => {
  const { frames, labels } = flowFrames(makeFlows(40, [25]), 'ethernet');
  const pcap = classicPcap(LinkType.ETHERNET, frames);
  const user = 'tcp port 25 or (vlan and (tcp port 25 or (vlan and tcp port 25)))';
  assertPartition(pcap, labels, (i) => buildCaptureFilter(capture({ filter: user, shard: { index: i, count: 3 } })), 3);
});

test('3 shards on Linux cooked capture (`any`)', () => {
  const link: FilterLink = 'ip';
  const { frames, labels } = flowFrames(makeFlows(60, [25, 587, 2525]), 'sll');
  const pcap = classicPcap(LinkType.LINUX_SLL, frames);
  assertPartition(pcap, labels, (i) => buildCaptureFilter(capture({ interface: 'any', shard: { index: i, count: 3 } }), link), 3);
});

test('shard counts at the edges: 2 and 7 partition the same traffic', () => {
  const { frames, labels } = flowFrames(makeFlows(70, [25]), 'ethernet');
  const pcap = classicPcap(LinkType.ETHERNET, frames);
  for (const count of [2, 7]) assertPartition(pcap, labels, (i) => buildCaptureFilter(capture({ shard: { index: i, count } })), count);
});

test('the shipped configuration filter keeps untagged, 802.1Q and QinQ SMTP frames and shards symmetrically', () => {
  const shipped = defaultConfig().capture;
  const { frames, labels } = flowFrames(makeFlows(60, shipped.ports), 'ethernet');
  const pcap = classicPcap(LinkType.ETHERNET, frames);
  const keptByBase = new Map<string, Labelled>();
  for (const k of runFilter(pcap, buildCaptureFilter(shipped))) keptByBase.set(k.toString('hex'), labels.get(k.toString('hex'))!);
  // The shipped filter is '' (derived from capture.ports), whose nested vlan clauses reach QinQ.
  assert.equal(shipped.filter, '');
  assert.equal(keptByBase.size, labels.size);
  assertPartition(pcap, keptByBase, (i) => buildCaptureFilter({ ...shipped, shard: { index: i, count: 3 } }), 3);
});
