// `mailtap read` on real SMTP captures rewritten the way a mirror port delivers them (issue 13):
// every frame of test/fixtures/seed/message.pcap wrapped in VXLAN, ERSPAN II/III, GRE, Geneve,
// MPLS or PPPoE, or its IP datagrams cut into fragments (in order, reversed, with a disagreeing
// overlap). The events must be the original ones (apart from `time`), plus `tunnel` for the
// encapsulations; the evasion attempt (disagreeing overlap) is counted as ip_fragment_overlap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';
import { readWithMetrics } from '../helpers/read-metrics.js';
import { parsePcap, serializePcap, type PcapFile } from '../helpers/pcap-edit.js';
import { buildIpv4, ethernet } from '../helpers/frames.js';
import { erspan2, erspan3, geneve, gre, mpls, outer4, pppoe, vxlan } from '../helpers/tunnels.js';
import { fragment4, type Range } from '../helpers/fragments.js';

type Obj = Record<string, unknown>;

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile(schema: object): ValidateFunction } }).default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object);

const SOURCE = parsePcap(readFileSync(fixture('seed', 'message.pcap')));
const ETH = 14;

async function readEvents(pcap: Buffer): Promise<Obj[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-encap-'));
  try {
    const file = join(dir, 'in.pcap');
    writeFileSync(file, pcap);
    const r = await runCli(['read', '--workers', '1', file]);
    assert.equal(r.code, 0, r.stderr);
    const events = ndjson(r.stdout);
    for (const e of events) {
      assert.ok(validate(e), `${JSON.stringify(validate.errors)} in ${JSON.stringify(e)}`);
      delete e.time;
    }
    return events;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The source capture with every record's frame replaced by f(frame) (a list: several records). */
function rewrite(f: (frame: Buffer, i: number) => Buffer[]): Buffer {
  const out: PcapFile = { ...SOURCE, records: [] };
  SOURCE.records.forEach((r, i) => {
    for (const data of f(r.data, i)) out.records.push({ ...r, data, origLen: data.length });
  });
  return serializePcap(out);
}

const ipOf = (frame: Buffer): Buffer => frame.subarray(ETH);

const WRAPS: [string, string[], (frame: Buffer) => Buffer][] = [
  ['VXLAN', ['vxlan'], (fr) => outer4(vxlan(fr), 17)],
  ['ERSPAN II behind a VLAN tag', ['erspan2'], (fr) => outer4(erspan2(fr), 47, { vlans: [12] })],
  ['ERSPAN III with a platform subheader', ['erspan3'], (fr) => outer4(erspan3(fr, { platform: true }), 47)],
  ['GRE carrying IPv4', ['gre'], (fr) => outer4(gre(ipOf(fr), { proto: 0x0800, key: 5 }), 47)],
  ['Geneve with options', ['geneve'], (fr) => outer4(geneve(fr, 0x6558, 2), 17)],
  ['MPLS', ['mpls'], (fr) => ethernet(mpls(ipOf(fr), [1000, 2000]), { etherType: 0x8847 })],
  ['PPPoE', ['pppoe'], (fr) => ethernet(pppoe(ipOf(fr)), { etherType: 0x8864 })],
  ['ERSPAN II around VXLAN', ['erspan2', 'vxlan'], (fr) => outer4(erspan2(ethernet(buildIpv4(vxlan(fr), { protocol: 17 }))), 47)],
];

test('encapsulated captures give the original events plus `tunnel` (outermost first); vlan stays the outer tags', async () => {
  const base = await readEvents(serializePcap(SOURCE));
  assert.deepEqual(base.map((e) => e.event).sort(), ['smtp_session', 'smtp_transaction']);
  for (const [name, tunnel, wrap] of WRAPS) {
    const got = await readEvents(rewrite((fr) => [wrap(fr)]));
    const outerVlan = name.includes('VLAN') ? { vlan: [12] } : {};
    const want = base.map((e) => {
      const w: Obj = {};
      // Field order: the common fields, vlan, tunnel, then the event's own (records.ts).
      for (const [k, v] of Object.entries(e)) {
        w[k] = v;
        if (k === 'dst_port') Object.assign(w, outerVlan, { tunnel });
      }
      return w;
    });
    assert.deepEqual(got, want, name);
    assert.deepEqual(Object.keys(got[0]!), Object.keys(want[0]!), `${name}: field order`);
  }
});

/** Every IPv4 datagram with more than 64 data bytes cut into pieces of 64 data bytes and a rest. */
function fragmented(order: 'forward' | 'reverse', evil = false): Buffer {
  return rewrite((fr, i) => {
    const ip = ipOf(fr);
    const data = ip.length - 20;
    if (data <= 64) return [fr];
    const ranges: Range[] = [];
    for (let s = 0; s < data; s += 64) ranges.push([s, Math.min(data, s + 64)]);
    const frags = fragment4(ip, ranges, { id: i + 1 }).map((f) => ethernet(f));
    if (evil) {
      // A second copy of the first fragment whose bytes disagree (the TCP header's window field
      // stays intact: only payload bytes 40..64 change). First copy wins.
      const copy = Buffer.from(ip.subarray(20));
      copy.fill(0x58, 40, 64);
      frags.splice(1, 0, ethernet(fragment4(ip, [[0, 64]], { id: i + 1, data: copy })[0]!));
    }
    return order === 'forward' ? frags : frags.reverse();
  });
}

test('IP fragments in order and in reverse give exactly the original events', async () => {
  const base = await readEvents(serializePcap(SOURCE));
  assert.deepEqual(await readEvents(fragmented('forward')), base);
  assert.deepEqual(await readEvents(fragmented('reverse')), base);
});

test('overlapping fragments that disagree: the first copy wins (the original events) and ip_fragment_overlap is counted', async () => {
  const base = await readEvents(serializePcap(SOURCE));
  // Forward order: the honest copy arrives first, the disagreeing one right after it.
  const { events, metrics } = await readWithMetrics(fragmented('forward', true));
  assert.deepEqual(events, base);
  const datagrams = SOURCE.records.filter((r) => r.data.length - ETH - 20 > 64).length;
  assert.equal(metrics.get('mailtap_anomalies_total{name="ip_fragment_overlap"}'), datagrams);
  assert.equal(metrics.get('mailtap_ip_reassembly_total{result="overlap"}'), datagrams);
  assert.equal(metrics.get('mailtap_ip_reassembly_total{result="reassembled"}'), datagrams);
  assert.ok((metrics.get('mailtap_packets_total{result="fragment"}') ?? 0) > 2 * datagrams);
});

test('a datagram missing a fragment at end of input is counted as ip_fragment_timeout; its connection has a gap, no invention', async () => {
  // Drop the middle fragment of the DATA body's datagram (the longest record).
  let longest = 0;
  SOURCE.records.forEach((r, i) => {
    if (r.data.length > SOURCE.records[longest]!.data.length) longest = i;
  });
  const pcap = rewrite((fr, i) => {
    if (i !== longest) return [fr];
    const ip = ipOf(fr);
    const data = ip.length - 20;
    return fragment4(ip, [[0, 512], [1024, data]], { id: 99 }).map((f) => ethernet(f));
  });
  const { events, metrics } = await readWithMetrics(pcap);
  assert.equal(metrics.get('mailtap_anomalies_total{name="ip_fragment_timeout"}'), 1);
  assert.equal(metrics.get('mailtap_ip_reassembly_total{result="timeout"}'), 1);
  const t = events.find((e) => e.event === 'smtp_transaction')!;
  assert.notEqual(t.status, 'accepted', 'the message lost bytes: never reported complete');
});
