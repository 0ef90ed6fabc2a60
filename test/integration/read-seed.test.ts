// `mailtap read` end to end on the seed captures (test/fixtures/seed/README.md): the facts the
// README lists, every line valid against the events schema, and the same events whatever the
// number of worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';
import { SEED_SESSION_TRANSACTION, seedSessionFactsOf } from '../helpers/seed-facts.js';

type Obj = Record<string, unknown>;

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile(schema: object): ValidateFunction } }).default;
const schema = JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

const SESSION = fixture('seed', 'session.pcap');
const MESSAGE = fixture('seed', 'message.pcap');

async function read(files: string[], workers: number): Promise<{ events: Obj[]; raw: string }> {
  const r = await runCli(['read', '--workers', String(workers), ...files]);
  assert.equal(r.code, 0, r.stderr);
  const raw = r.stdout.toString('utf8');
  assert.ok(raw === '' || raw.endsWith('\n'), 'the last line is complete');
  const events = ndjson(r.stdout);
  for (const e of events) assert.ok(validate(e), `${JSON.stringify(validate.errors)} in ${JSON.stringify(e)}`);
  return { events, raw };
}

function only(events: Obj[], event: string): Obj {
  const list = events.filter((e) => e.event === event);
  assert.equal(list.length, 1, `one ${event}: ${JSON.stringify(events)}`);
  return list[0]!;
}

test('session.pcap: one transaction and one session with the README facts', async () => {
  const { events, raw } = await read([SESSION], 2);
  const t = only(events, 'smtp_transaction');
  const s = only(events, 'smtp_session');
  assert.deepEqual(seedSessionFactsOf(t), SEED_SESSION_TRANSACTION);
  const m = t.message as Obj;
  assert.equal(m.parts, 1);
  assert.equal(m.subject, undefined);
  assert.deepEqual(m.attachments, []);
  const kw = s.ehlo_keywords as string[];
  for (const k of ['AUTH', '8BITMIME', 'AUTH=LOGIN']) assert.ok(kw.includes(k), `ehlo_keywords has ${k}: ${kw.join(',')}`);
  assert.equal(s.helo, 'SMTP.163.com');
  assert.equal(s.transactions, 1);
  assert.equal(s.close, 'fin');
  for (const e of [t, s]) {
    assert.equal(e.src_ip, '192.0.2.10');
    assert.equal(e.src_port, 1470);
    assert.equal(e.dst_ip, '198.51.100.25');
    assert.equal(e.dst_port, 25);
    assert.ok(!('vlan' in e), 'untagged: no vlan');
    assert.equal(e.uid, t.uid);
    assert.equal(Object.keys(e)[0], 'time');
  }
  // The password never appears, in clear or in base64.
  assert.ok(!raw.includes('1982214'));
  assert.ok(!raw.includes('MTk4MjIxNA=='));
});

test('message.pcap: envelope and the MIME facts of message.eml', async () => {
  const { events } = await read([MESSAGE], 1);
  const t = only(events, 'smtp_transaction');
  only(events, 'smtp_session');
  assert.equal(t.mail_from, 'gaoxl@legendsec.com');
  assert.deepEqual(t.rcpt_to, ['moreorless@live.cn', 'gxl0620@163.com', 'venus.oso@gmail.com']);
  assert.equal(t.status, 'accepted');
  assert.equal(t.src_ip, '192.0.2.20');
  assert.equal(t.src_port, 2009);
  const m = t.message as Obj;
  assert.equal(m.subject, 'attach');
  assert.deepEqual(m.from, [{ name: '郜小亮', address: 'gaoxl@legendsec.com' }]);
  assert.deepEqual(m.to, [{ name: 'moreorless', address: 'moreorless@live.cn' }]);
  assert.deepEqual(m.cc, [{ name: 'gxl0620', address: 'gxl0620@163.com' }]);
  assert.deepEqual(m.bcc, [{ name: '郜小亮', address: 'venus.oso@gmail.com' }]);
  assert.equal(m.message_id, '200906291839032504254@legendsec.com');
  assert.equal(m.date, 'Mon, 29 Jun 2009 18:39:03 +0800');
  assert.equal(m.date_iso, '2009-06-29T10:39:03.000Z');
  assert.equal(m.user_agent, 'Foxmail 6, 15, 201, 21 [cn]');
  assert.equal(m.content_type, 'multipart/mixed');
  assert.equal(m.parts, 5);
  assert.equal(m.text_sha256, 'd0df09677babc0af5427ed4fd24d1f7769b58c882e971c49bf393b002c52d7f2');
  const atts = m.attachments as Obj[];
  assert.equal(atts.length, 1);
  const a = atts[0]!;
  assert.equal(a.filename, 'readme.txt');
  assert.equal(a.content_type, 'application/octet-stream');
  assert.equal(a.disposition, 'attachment');
  assert.equal(a.transfer_encoding, 'base64');
  assert.equal(a.size, 7);
  assert.equal(a.md5, '9a6ed0b05c94dcc18d3fe462d48b128e');
  assert.equal(a.sha1, 'e0689beea036d0de4d0149aa1a67d2d3f85b66a9');
  assert.equal(a.sha256, 'bb5b9dfffcd016cd95ff1804367c73bc61444372cabcb580a4b2ea2054c514cf');
});

/** An event without `time`, as a canonical string (keys in written order). */
function withoutTime(e: Obj): string {
  const { time: _time, ...rest } = e;
  return JSON.stringify(rest);
}

test('--workers 1 and --workers 4 write the same events (minus time), in order per connection', async () => {
  const files = [SESSION, MESSAGE];
  const one = await read(files, 1);
  const four = await read(files, 4);
  assert.ok(one.events.length >= 4);
  assert.deepEqual(one.events.map(withoutTime).sort(), four.events.map(withoutTime).sort());
  for (const run of [one, four]) {
    const byUid = new Map<string, Obj[]>();
    for (const e of run.events) {
      const list = byUid.get(String(e.uid)) ?? [];
      list.push(e);
      byUid.set(String(e.uid), list);
    }
    for (const list of byUid.values()) {
      const depths = list.filter((e) => e.event === 'smtp_transaction').map((e) => e.trans_depth as number);
      assert.deepEqual(depths, [...depths].sort((x, y) => x - y), 'transactions of a connection in order');
      assert.equal(list.at(-1)?.event, 'smtp_session', 'the session event comes last for its connection');
    }
  }
});

/** The first `keep` records of a little-endian pcap, then a record header claiming 2 GiB. */
function corruptAfter(pcap: Buffer, keep: number): Buffer {
  let off = 24;
  for (let i = 0; i < keep; i++) off += 16 + pcap.readUInt32LE(off + 8);
  const bad = Buffer.alloc(16 + 64);
  bad.writeUInt32LE(pcap.readUInt32LE(off), 0);
  bad.writeUInt32LE(0x7fffffff, 8);
  bad.writeUInt32LE(0x7fffffff, 12);
  return Buffer.concat([pcap.subarray(0, off), bad]);
}

test('a corrupt capture exits 3 after flushing the open session as eof', async () => {
  const pcap = readFileSync(SESSION);
  assert.equal(pcap.readUInt32LE(0), 0xa1b2c3d4, 'little-endian microsecond pcap');
  const r = await runCli(['read', '--workers', '2', '-'], { stdin: corruptAfter(pcap, 12) });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /offset/);
  const events = ndjson(r.stdout);
  for (const e of events) assert.ok(validate(e), JSON.stringify(validate.errors));
  const s = only(events, 'smtp_session');
  assert.equal(s.close, 'eof');
  assert.equal(s.banner !== undefined, true);
});

test('--events writes to a file (stdout stays empty); an unwritable path exits 1 naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-read-'));
  try {
    const path = join(dir, 'events.ndjson');
    const r = await runCli(['read', '--workers', '1', '--events', path, SESSION]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.length, 0);
    const events = ndjson(readFileSync(path));
    assert.deepEqual(events.map((e) => e.event).sort(), ['smtp_session', 'smtp_transaction']);
    assert.equal(statSync(path).mode & 0o777, 0o640);
    const bad = join(dir, 'no-such-dir', 'events.ndjson');
    const r2 = await runCli(['read', '--workers', '1', '--events', bad, SESSION]);
    assert.equal(r2.code, 1);
    assert.ok(r2.stderr.includes(bad), r2.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
