// `mailtap flows` end to end: the fields of SPEC §2 on the seed captures (byte counts checked
// against tshark's per-packet TCP lengths), standard input, one-sided captures, and what happens
// to a truncated or corrupt capture (warning and exit 0; exit 3 after flushing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';
import { pcapRecords } from '../helpers/pcap-edit.js';

const SESSION = fixture('seed', 'session.pcap');
const work = mkdtempSync(join(tmpdir(), 'mailtap-flows-'));

const FIELDS = [
  'uid',
  'community_id',
  'src_ip',
  'src_port',
  'dst_ip',
  'dst_port',
  'start',
  'end',
  'bytes_client',
  'bytes_server',
  'gap_bytes',
  'close',
  'midstream',
  'smtp',
];

/** TCP payload bytes sent by each source address, as tshark dissects them. */
function tsharkPayloadBySource(file: string): Map<string, number> {
  const out = execFileSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.len'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const sum = new Map<string, number>();
  for (const line of out.split('\n')) {
    const [v4, v6, len] = line.split('\t');
    const src = v4 || v6;
    if (!src || !len) continue;
    sum.set(src, (sum.get(src) ?? 0) + Number(len));
  }
  return sum;
}

test('seed session: one connection with exactly the SPEC fields', async () => {
  const res = await runCli(['flows', SESSION]);
  assert.equal(res.code, 0, res.stderr);
  const lines = ndjson(res.stdout);
  assert.equal(lines.length, 1);
  const f = lines[0]!;
  assert.deepEqual(Object.keys(f), FIELDS);
  const payload = tsharkPayloadBySource(SESSION);
  assert.equal(f.src_ip, '192.0.2.10');
  assert.equal(f.src_port, 1470);
  assert.equal(f.dst_ip, '198.51.100.25');
  assert.equal(f.dst_port, 25);
  assert.equal(f.bytes_client, payload.get('192.0.2.10'));
  assert.equal(f.bytes_server, payload.get('198.51.100.25'));
  assert.equal(f.gap_bytes, 0);
  assert.equal(f.close, 'fin');
  assert.equal(f.midstream, false);
  assert.equal(f.one_sided, undefined, 'absent: both directions seen (as in events, SPEC §3.2)');
  assert.equal(f.smtp, true);
  assert.match(String(f.start), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.match(String(f.end), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.ok(String(f.start) <= String(f.end));
  assert.match(String(f.community_id), /^1:[A-Za-z0-9+/]{27}=$/);
  // The operational log is NDJSON on stderr.
  for (const l of res.stderr.split('\n').filter((x) => x !== '')) assert.doesNotThrow(() => JSON.parse(l), l);
});

test('standard input (-) gives the same lines as the file', async () => {
  const a = await runCli(['flows', SESSION]);
  const b = await runCli(['flows', '-'], { stdin: readFileSync(SESSION) });
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout.toString(), a.stdout.toString());
});

test('smtp is true only for the SMTP connections of a mixed capture', async () => {
  const res = await runCli(['flows', fixture('corpus', 'zeek', 'testing', 'btest', 'Traces', 'smtp.pcap')]);
  assert.equal(res.code, 0, res.stderr);
  const lines = ndjson(res.stdout);
  const smtp = lines.filter((l) => l.smtp === true);
  assert.deepEqual(smtp.map((l) => l.dst_port).sort(), [25, 25]);
  assert.ok(lines.some((l) => l.dst_port === 443 && l.smtp === false));
});

test('a one-sided capture is flagged with the side seen, as events flag it', async () => {
  const res = await runCli(['flows', fixture('corpus', 'zeek', 'testing', 'btest', 'Traces', 'smtp-one-side-only.pcap')]);
  assert.equal(res.code, 0, res.stderr);
  const lines = ndjson(res.stdout);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.one_sided, 'client_only');
  assert.deepEqual(Object.keys(lines[0]!), [...FIELDS.slice(0, -1), 'one_sided', 'smtp']);
  assert.equal(lines[0]!.bytes_server, 0);
  assert.ok(Number(lines[0]!.bytes_client) > 0);
});

test('a truncated capture: warning on stderr, the connections still written, exit 0', async () => {
  const whole = readFileSync(SESSION);
  const recs = pcapRecords(whole);
  const [lastOff, lastLen] = recs[recs.length - 1]!;
  const cut = join(work, 'truncated.pcap');
  writeFileSync(cut, whole.subarray(0, lastOff + Math.floor(lastLen / 2)));
  const res = await runCli(['flows', cut]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(ndjson(res.stdout).length, 1);
  const warn = ndjson(res.stderr).find((l) => l.level === 'warn');
  assert.ok(warn !== undefined, res.stderr);
  assert.match(String(warn.msg), /truncated/);
});

test('a corrupt capture: exit 3 naming the file and offset, open connections flushed as eof', async () => {
  const whole = Buffer.from(readFileSync(SESSION));
  const recs = pcapRecords(whole);
  const [badOff] = recs[6]!; // after the handshake and the greeting
  whole.writeUInt32LE(0x7fffffff, badOff + 8); // caplen far beyond any snaplen
  whole.writeUInt32LE(0x7fffffff, badOff + 12);
  const bad = join(work, 'corrupt.pcap');
  writeFileSync(bad, whole);
  const res = await runCli(['flows', bad]);
  assert.equal(res.code, 3, res.stderr);
  const lines = ndjson(res.stdout);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.close, 'eof');
  const err = ndjson(res.stderr).find((l) => l.level === 'error');
  assert.ok(err !== undefined, res.stderr);
  assert.match(String(err.msg), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*offset ${badOff}`));
});

test('a missing file exits 3; garbage exits 3', async () => {
  const missing = await runCli(['flows', join(work, 'nope.pcap')]);
  assert.equal(missing.code, 3, missing.stderr);
  const junk = join(work, 'junk.pcap');
  writeFileSync(junk, Buffer.from('this is not a capture file at all, just words'));
  const garbage = await runCli(['flows', junk]);
  assert.equal(garbage.code, 3, garbage.stderr);
  assert.equal(garbage.stdout.length, 0);
});

test('a bad configuration exits 1 before reading', async () => {
  const res = await runCli(['flows', SESSION], { env: { MAILTAP_FLOWS_IDLE_TIMEOUT_S: 'soon' } });
  assert.equal(res.code, 1);
  assert.equal(res.stdout.length, 0);
  assert.match(res.stderr, /flows\.idle_timeout_s/);
});

test('--dump-streams writes both directions of every connection', async () => {
  const dir = join(work, 'dump');
  const res = await runCli(['flows', '--dump-streams', dir, SESSION]);
  assert.equal(res.code, 0, res.stderr);
  const [f] = ndjson(res.stdout);
  assert.ok(f !== undefined);
  const c2s = readFileSync(join(dir, `${String(f.uid)}.c2s`), 'latin1');
  const s2c = readFileSync(join(dir, `${String(f.uid)}.s2c`), 'latin1');
  assert.equal(c2s.length, f.bytes_client);
  assert.equal(s2c.length, f.bytes_server);
  assert.ok(c2s.startsWith('HELO SMTP.163.com\r\n'), c2s.slice(0, 40));
  assert.ok(c2s.includes('MAIL FROM: bripengandre@163.com\r\n'));
  assert.ok(s2c.startsWith('220 '), s2c.slice(0, 40));
  assert.ok(s2c.includes('250 Message sent'));
});
