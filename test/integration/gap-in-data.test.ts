// Regression for golden README B3: a client segment lost inside DATA while the server's `250`
// follows within flows.reorder_window_ms must give an `incomplete` transaction with the gap, and
// the server's reply overtaking the client's last data segment (SPAN, no loss) must change nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from '../helpers/paths.js';
import { pcapRecords } from '../helpers/pcap-edit.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

type Obj = Record<string, unknown>;

const GENERATOR = join(SHARED, 'tools', 'gen-smtp-pcap.py');
const tmp = mkdtempSync(join(tmpdir(), 'mailtap-gap-in-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

let original: Buffer;

before(async () => {
  const pcap = join(tmp, 'g.pcap');
  // The B3 reproduction: one session, two attachments, packets microseconds apart (line rate).
  const args = ['-q', '-o', pcap, '--truth', join(tmp, 'g.jsonl'), '--sessions', '1', '--seed', '1', '--attach-kb', '8', '--max-attach', '2', '--multi-txn-frac', '0', '--enc-subject-frac', '0'];
  await new Promise<void>((resolve, reject) => {
    execFile('python3', [GENERATOR, ...args], (err, _out, stderr) => (err !== null ? reject(new Error(`${GENERATOR}: ${stderr}`)) : resolve()));
  });
  original = readFileSync(pcap);
});

/** TCP payload of record i (Ethernet + IPv4 + TCP, as the generator writes) and its destination port. */
function tcpOf(buf: Buffer, rec: [number, number]): { payload: Buffer; dport: number } {
  const pkt = buf.subarray(rec[0] + 16, rec[0] + rec[1]);
  const ip = 14;
  const tcp = ip + (pkt[ip]! & 0x0f) * 4;
  const end = ip + pkt.readUInt16BE(ip + 2);
  return { payload: pkt.subarray(tcp + (pkt[tcp + 12]! >> 4) * 4, end), dport: pkt.readUInt16BE(tcp + 2) };
}

/** Index of the first record at or after `from` whose payload matches. */
function findRecord(buf: Buffer, from: number, match: (payload: Buffer, dport: number) => boolean): number {
  const recs = pcapRecords(buf);
  for (let i = from; i < recs.length; i++) {
    const { payload, dport } = tcpOf(buf, recs[i]!);
    if (match(payload, dport)) return i;
  }
  throw new Error('no such record');
}

function rebuild(buf: Buffer, order: number[]): Buffer {
  const recs = pcapRecords(buf);
  return Buffer.concat([buf.subarray(0, 24), ...order.map((i) => buf.subarray(recs[i]![0], recs[i]![0] + recs[i]![1]))]);
}

async function transaction(pcap: Buffer, name: string): Promise<Obj> {
  const file = join(tmp, name);
  writeFileSync(file, pcap);
  const r = await runCli(['read', file]);
  assert.equal(r.code, 0, r.stderr);
  const txns = ndjson(r.stdout).filter((e) => e['event'] === 'smtp_transaction');
  assert.equal(txns.length, 1, name);
  const t = txns[0]!;
  delete t['time'];
  return t;
}

test('a client segment lost inside DATA, the 250 right behind it: incomplete, with the gap', async () => {
  const base = await transaction(original, 'orig.pcap');
  assert.equal(base['status'], 'accepted');
  assert.equal(base['gap_bytes'], 0);
  const recs = pcapRecords(original);
  const go = findRecord(original, 0, (p, d) => d !== 25 && p.toString('latin1').startsWith('354 '));
  // The fourth full-sized client segment after 354: inside the first attachment's body.
  let drop = go;
  for (let k = 0; k < 4; k++) drop = findRecord(original, drop + 1, (p, d) => d === 25 && p.length === 1460);
  const lost = tcpOf(original, recs[drop]!).payload.length;
  const order = recs.map((_r, i) => i).filter((i) => i !== drop);
  const t = await transaction(rebuild(original, order), 'gap.pcap');
  assert.equal(t['status'], 'incomplete');
  assert.equal(t['gap_bytes'], lost);
  assert.equal(t['data_bytes'], (base['data_bytes'] as number) - lost);
  assert.ok(!(t['anomalies'] as string[]).includes('smtp_unmatched_reply'), 'the 250 came after the gap, not inside DATA');
  const atts = (t['message'] as Obj)['attachments'] as Obj[];
  const missing = atts.reduce((n, a) => n + ((a['missing_bytes'] as number | undefined) ?? 0), 0);
  assert.equal(missing, lost, 'the lost base64 bytes are counted on the attachment they fell in');
});

test("the server's 250 overtaking the client's last DATA segment (no loss) changes nothing", async () => {
  const base = await transaction(original, 'orig2.pcap');
  const recs = pcapRecords(original);
  const last = findRecord(original, 0, (p, d) => d === 25 && p.includes('\r\n.\r\n'));
  const reply = findRecord(original, last + 1, (p, d) => d !== 25 && p.toString('latin1').startsWith('250 '));
  const order = recs.map((_r, i) => i);
  order[last] = reply;
  order[reply] = last;
  const swapped = rebuild(original, order);
  // Keep capture timestamps increasing: the records trade places, the clock does not.
  const out = pcapRecords(swapped);
  original.copy(swapped, out[last]![0], recs[last]![0], recs[last]![0] + 8);
  original.copy(swapped, out[reply]![0], recs[reply]![0], recs[reply]![0] + 8);
  assert.notEqual(tcpOf(swapped, out[last]!).dport, 25, 'the reply now comes first');
  const t = await transaction(swapped, 'swap.pcap');
  assert.deepEqual(t, base);
});
