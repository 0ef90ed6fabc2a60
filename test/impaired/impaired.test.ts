// Issue 8, impaired captures: `mailtap read` on a clean capture and on five variants derived from
// it (make-variants.ts) must agree exactly where the impairment loses nothing (reordered within
// the reorder window, also across handshakes and teardowns, duplicated, VLAN-tagged) and account
// exactly for what was lost (DATA segments dropped, snaplen 96). Seeds are in the test names;
// IMPAIRED_SEED=N overrides them all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { REPO_ROOT, fixture } from '../helpers/paths.js';
import { parsePcap, recordMicros, serializePcap } from '../helpers/pcap-edit.js';
import { ndjson, runCli } from '../helpers/run-cli.js';
import { DUPLICATE_RATE, makeVariants, reorder, uncapturedPayload, type DroppedTransaction, type Variants } from './make-variants.js';
import { connKey } from './tcp-view.js';

type Obj = Record<string, unknown>;

const SOURCES: { file: string; seed: number }[] = [
  { file: 'real-mail/real-mail.pcap', seed: 0x5eed0801 },
  { file: 'seed/message.pcap', seed: 0x5eed0802 },
  // Four transactions on one connection, bodies of hundreds of segments (and a capture cut short).
  { file: 'corpus/suricata-verify/tests/mime/mime-stream-depth/input.pcap', seed: 0x5eed0803 },
];
const SEED_OVERRIDE = process.env['IMPAIRED_SEED'];
const WINDOW_MS = loadConfig({ path: join(REPO_ROOT, 'config', 'mailtap.yaml'), env: {} }).flows.reorder_window_ms;
const VARIANTS = ['reordered', 'duplicated', 'tagged', 'dropped', 'snaplen'] as const;

/** pino's error and fatal, as labels or as numbers. */
const ERROR_LEVELS = new Set<unknown>(['error', 'fatal', 50, 60]);

const tmp = mkdtempSync(join(tmpdir(), 'mailtap-impaired-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** `mailtap read` of one capture: exit 0, no error logged, no worker restarted; events without `time`. */
async function read(pcap: Buffer, name: string): Promise<Obj[]> {
  const file = join(tmp, name);
  writeFileSync(file, pcap);
  const r = await runCli(['read', file]);
  assert.equal(r.code, 0, `${name}: ${r.stderr}`);
  const log = ndjson(r.stderr);
  for (const l of log) assert.ok(!ERROR_LEVELS.has(l['level']), `${name} logged an error: ${JSON.stringify(l)}`);
  const done = log.find((l) => l['msg'] === 'read finished');
  assert.equal(done?.['restarts'], 0, `${name}: a worker restarted`);
  const events = ndjson(r.stdout);
  for (const e of events) delete e['time'];
  return events;
}

/** Order-independent text of a value (keys sorted), to sort events and find one among many. */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Obj;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function sorted(events: Obj[]): Obj[] {
  return [...events].sort((a, b) => (canon(a) < canon(b) ? -1 : canon(a) > canon(b) ? 1 : 0));
}

const connOf = (e: Obj): string => connKey(String(e['src_ip']), Number(e['src_port']), String(e['dst_ip']), Number(e['dst_port']));
const txnId = (e: { src_ip: unknown; src_port: unknown; dst_ip: unknown; dst_port: unknown; trans_depth: unknown }): string =>
  `${String(e.src_ip)}/${String(e.src_port)} ${String(e.dst_ip)}/${String(e.dst_port)} #${String(e.trans_depth)}`;
const ofKind = (events: Obj[], kind: string): Obj[] => events.filter((e) => e['event'] === kind);

function withoutKeys(e: Obj, keys: readonly string[]): Obj {
  const o: Obj = { ...e };
  for (const k of keys) delete o[k];
  return o;
}

test('the variants keep their bounds (reorder window, 5% copies, +4 bytes per tag, snaplen)', () => {
  const src = readFileSync(fixture('real-mail', 'real-mail.pcap'));
  const orig = parsePcap(src);
  const v = makeVariants(src, { seed: 1, reorderWindowMs: WINDOW_MS });
  const re = parsePcap(v.reordered.pcap);
  assert.equal(re.records.length, orig.records.length);
  assert.ok(v.reordered.moved > 0);
  // Every packet that overtook another is less than the bound younger than it.
  let latest = -Infinity;
  for (const r of re.records) {
    const t = recordMicros(re, r);
    assert.ok(latest - t < v.reordered.boundMicros, `a packet waited ${latest - t} µs`);
    if (t > latest) latest = t;
  }
  assert.equal(parsePcap(v.duplicated.pcap).records.length, orig.records.length + v.duplicated.copies);
  assert.equal(v.duplicated.copies, Math.round(orig.records.length * DUPLICATE_RATE));
  const tagged = parsePcap(v.tagged.pcap);
  tagged.records.forEach((r, i) => {
    assert.equal(r.data.length, orig.records[i]!.data.length + 4);
    assert.equal(r.data.readUInt16BE(12), 0x8100);
    assert.equal(r.data.readUInt16BE(14), v.tagged.vlan);
  });
  const cut = parsePcap(v.snaplen.pcap);
  assert.equal(cut.snaplen, 96);
  cut.records.forEach((r, i) => {
    assert.equal(r.data.length, Math.min(96, orig.records[i]!.data.length));
    assert.equal(r.origLen, orig.records[i]!.origLen);
  });
  const dropped = parsePcap(v.dropped.pcap);
  const lost = v.dropped.affected.reduce((n, a) => n + a.records.length, 0);
  assert.equal(dropped.records.length, orig.records.length - lost);
});

for (const { file, seed: ownSeed } of SOURCES) {
  const seed = SEED_OVERRIDE !== undefined ? Number(SEED_OVERRIDE) >>> 0 : ownSeed;
  const src = readFileSync(fixture(...file.split('/')));
  const v: Variants = makeVariants(src, { seed, reorderWindowMs: WINDOW_MS });
  // Issue 13 item 9: the same bound, but SYNs, SYN-ACKs, FINs and RSTs move too.
  const free = reorder(parsePcap(src), seed, v.reordered.boundMicros, false);
  const tag = `${file} seed=0x${seed.toString(16)}`;

  describe(`impaired: ${file}`, () => {
    const runs = new Map<string, Obj[]>();
    const base = (): Obj[] => runs.get('original')!;
    const of = (name: string): Obj[] => runs.get(name)!;

    before(async () => {
      const stem = file.replace(/[^a-z0-9]+/gi, '-');
      const jobs: [string, Buffer][] = [['original', src], ...VARIANTS.map((n): [string, Buffer] => [n, v[n].pcap]), ['no-barriers', serializePcap(free.pcap)]];
      const out = await Promise.all(jobs.map(([n, pcap]) => read(pcap, `${stem}.${n}.pcap`)));
      jobs.forEach(([n], i) => runs.set(n, out[i]!));
      assert.ok(ofKind(base(), 'smtp_transaction').length > 0, 'the source has transactions');
    });

    test(`reordered within ${WINDOW_MS / 2} ms (${v.reordered.moved} packets moved): the same events [${tag}]`, () => {
      assert.ok(v.reordered.moved > 0);
      assert.deepEqual(sorted(of('reordered')), sorted(base()));
    });

    test(`reordered within ${WINDOW_MS / 2} ms across handshakes and teardowns (${free.moved} packets moved): the same events [${tag}]`, () => {
      assert.ok(free.moved > 0);
      sameUpToUidOrder(of('no-barriers'), base());
    });

    test(`duplicated (${v.duplicated.copies} copies): the same events [${tag}]`, () => {
      assert.deepEqual(sorted(of('duplicated')), sorted(base()));
    });

    test(`802.1Q tag ${v.tagged.vlan} on every frame: the same events, each with vlan [${v.tagged.vlan}] [${tag}]`, () => {
      for (const e of base()) assert.equal(e['vlan'], undefined);
      const tagged = of('tagged');
      for (const e of tagged) assert.deepEqual(e['vlan'], [v.tagged.vlan], canon(e));
      assert.deepEqual(sorted(tagged.map((e) => withoutKeys(e, ['vlan']))), sorted(base()));
    });

    test(`DATA segments dropped: exactly the touched transactions are incomplete by the bytes lost [${tag}]`, () => {
      checkDropped(base(), of('dropped'), v.dropped.affected);
    });

    test(`snaplen ${v.snaplen.snaplen} (${v.snaplen.cut} records cut): every lost byte is a gap, every cut flow says so [${tag}]`, () => {
      checkSnaplen(base(), of('snaplen'), uncapturedPayload(parsePcap(v.snaplen.pcap)));
    });
  });
}

/**
 * The same events, except that uids may be handed out in another order: a uid numbers connections
 * in the order their first packet arrives, and two connections that start less than the reorder
 * bound apart can swap (inherent: deciding it by start time would hold every new connection back).
 * Each connection still has one uid of its own, and the set of uids is the same.
 */
function sameUpToUidOrder(got: Obj[], orig: Obj[]): void {
  const uids = (events: Obj[]): Map<string, string> => {
    const m = new Map<string, string>();
    for (const e of events) {
      const k = connOf(e);
      const u = String(e['uid']);
      assert.equal(m.get(k) ?? u, u, `${k}: one uid per connection`);
      m.set(k, u);
    }
    assert.equal(new Set(m.values()).size, m.size, 'one connection per uid');
    return m;
  };
  const a = uids(got);
  const b = uids(orig);
  assert.deepEqual([...a.values()].sort(), [...b.values()].sort());
  const anon = (events: Obj[]): Obj[] => events.map((e) => ({ ...e, uid: connOf(e) }));
  assert.deepEqual(sorted(anon(got)), sorted(anon(orig)));
}

function checkDropped(orig: Obj[], got: Obj[], affected: DroppedTransaction[]): void {
  assert.ok(affected.length > 0);
  const hit = new Map(affected.map((a) => [txnId(a), a]));
  const lostPerConn = new Map<string, number>();
  for (const a of affected) {
    const k = connKey(a.src_ip, a.src_port, a.dst_ip, a.dst_port);
    lostPerConn.set(k, (lostPerConn.get(k) ?? 0) + a.dropped_bytes);
  }
  // Transactions: the same set; the touched ones incomplete by exactly the bytes dropped, their
  // envelope intact; every other one identical.
  const tBefore = new Map(ofKind(orig, 'smtp_transaction').map((e) => [txnId(e as Parameters<typeof txnId>[0]), e]));
  const tAfter = new Map(ofKind(got, 'smtp_transaction').map((e) => [txnId(e as Parameters<typeof txnId>[0]), e]));
  assert.deepEqual([...tAfter.keys()].sort(), [...tBefore.keys()].sort());
  for (const id of hit.keys()) assert.ok(tBefore.has(id), `dropped inside ${id}, which mailtap does not report`);
  for (const [id, t] of tAfter) {
    const o = tBefore.get(id)!;
    const a = hit.get(id);
    if (!a) {
      assert.deepEqual(t, o, id);
      continue;
    }
    assert.equal(o['gap_bytes'], 0, id);
    assert.equal(t['status'], 'incomplete', id);
    assert.equal(t['gap_bytes'], a.dropped_bytes, id);
    for (const k of ['uid', 'trans_depth', 'helo', 'mail_from', 'rcpt_to', 'rcpt_rejected', 'tls']) assert.deepEqual(t[k], o[k], `${id} ${k}`);
  }
  // Sessions: untouched connections identical; touched ones lose exactly the dropped client bytes
  // to the gap and may end later (the close waited for the lost bytes), nothing else changes.
  const sBefore = new Map(ofKind(orig, 'smtp_session').map((e) => [connOf(e), e]));
  const sAfter = new Map(ofKind(got, 'smtp_session').map((e) => [connOf(e), e]));
  assert.deepEqual([...sAfter.keys()].sort(), [...sBefore.keys()].sort());
  for (const [k, s] of sAfter) {
    const o = sBefore.get(k)!;
    const lost = lostPerConn.get(k);
    if (lost === undefined) {
      assert.deepEqual(s, o, k);
      continue;
    }
    assert.equal(s['gap_bytes'], Number(o['gap_bytes']) + lost, k);
    assert.equal(s['bytes_client'], Number(o['bytes_client']) - lost, k);
    assert.ok(String(s['end']) >= String(o['end']), k);
    const fixed = ['gap_bytes', 'bytes_client', 'end', 'duration'];
    assert.deepEqual(withoutKeys(s, fixed), withoutKeys(o, fixed), k);
  }
  // Anomaly events: unchanged on untouched connections; on touched ones the new flow_gap events
  // name exactly the client bytes dropped.
  const aBefore = ofKind(orig, 'anomaly');
  const aAfter = ofKind(got, 'anomaly');
  const untouched = (e: Obj): boolean => !lostPerConn.has(connOf(e));
  assert.deepEqual(sorted(aAfter.filter(untouched)), sorted(aBefore.filter(untouched)));
  for (const [k, lost] of lostPerConn) {
    const gaps = aAfter.filter((e) => connOf(e) === k && e['name'] === 'flow_gap').map((e) => String(e['detail']));
    const was = aBefore.filter((e) => connOf(e) === k && e['name'] === 'flow_gap').length;
    const c2s = gaps.map((d) => /^(\d+) bytes missing c2s$/.exec(d)).filter((m) => m !== null);
    assert.equal(gaps.length - was, affected.filter((a) => connKey(a.src_ip, a.src_port, a.dst_ip, a.dst_port) === k).length, k);
    assert.equal(
      c2s.reduce((n, m) => n + Number(m[1]), 0),
      lost,
      k,
    );
  }
}

function checkSnaplen(orig: Obj[], got: Obj[], uncaptured: Map<string, number>): void {
  const sessions = ofKind(got, 'smtp_session');
  // Every connection is still reported, and the loss is all there.
  assert.deepEqual(sessions.map(connOf).sort(), ofKind(orig, 'smtp_session').map(connOf).sort());
  let lossy = 0;
  for (const s of sessions) {
    const k = connOf(s);
    const lost = uncaptured.get(k) ?? 0;
    assert.equal(s['gap_bytes'], lost, `${k}: gap_bytes are the payload bytes the snaplen cut`);
    const said = ofKind(got, 'anomaly').filter((e) => connOf(e) === k && e['name'] === 'flow_truncated_segment');
    assert.equal(said.length, lost > 0 ? 1 : 0, `${k}: flow_truncated_segment once per cut connection`);
    if (lost > 0) lossy++;
  }
  assert.ok(lossy > 0, 'snaplen 96 cut payload somewhere');
  // A transaction that lost message bytes never claims to be complete.
  for (const t of ofKind(got, 'smtp_transaction')) {
    if (Number(t['gap_bytes']) > 0) assert.equal(t['status'], 'incomplete', canon(t));
  }
}
