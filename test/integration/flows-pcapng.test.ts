// The container format changes nothing: `editcap -F pcapng` of a corpus pcap gives byte-identical
// `mailtap flows` output. And the connections `flows` reports are the ones tshark's `-z conv,tcp`
// finds (an independent dissector over the same packets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

const PCAPS = [
  'corpus/zeek/testing/btest/Traces/smtp.pcap', // 6 connections, lost segment, retransmissions
  'corpus/zeek/testing/btest/Traces/smtp-attachment-msg.pcap', // IPv6 loopback, one-sided
  'corpus/suricata-verify/tests/bug-3616-smtp/input.pcap', // gap, out-of-order
  'corpus/suricata-verify/tests/smtp-pipelining/input.pcap', // NULL/BSD loopback link type
  'corpus/suricata-verify/tests/smtp-url-base64/smtp-url-b64.pcap', // port 2525
  'seed/session.pcap',
  'seed/message.pcap',
];

const work = mkdtempSync(join(tmpdir(), 'mailtap-pcapng-'));

for (const [i, rel] of PCAPS.entries()) {
  test(`pcap and pcapng give identical flows: ${rel}`, async () => {
    const pcap = fixture(rel);
    const pcapng = join(work, `${i}.pcapng`);
    execFileSync('editcap', ['-F', 'pcapng', pcap, pcapng]);
    const a = await runCli(['flows', pcap]);
    const b = await runCli(['flows', pcapng]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(ndjson(a.stdout).length > 0, 'no connection reported');
    assert.equal(b.stdout.toString(), a.stdout.toString());
  });
}

test('pcapng on standard input gives the same flows as the pcap file', async () => {
  const pcap = fixture('corpus/zeek/testing/btest/Traces/smtp.pcap');
  const pcapng = join(work, 'stdin.pcapng');
  execFileSync('editcap', ['-F', 'pcapng', pcap, pcapng]);
  const a = await runCli(['flows', pcap]);
  const b = await runCli(['flows', '-'], { stdin: readFileSync(pcapng) });
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout.toString(), a.stdout.toString());
});

/** Unordered endpoint pairs of tshark's TCP conversation table. */
function tsharkConversations(file: string): Set<string> {
  const out = execFileSync('tshark', ['-n', '-r', file, '-q', '-z', 'conv,tcp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const conv = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s/.exec(line);
    if (m === null) continue;
    conv.add(pairKey(m[1]!, Number(m[2]), m[3]!, Number(m[4])));
  }
  return conv;
}

function pairKey(a: string, ap: number, b: string, bp: number): string {
  const x = `${a}:${ap}`;
  const y = `${b}:${bp}`;
  return x < y ? `${x} ${y}` : `${y} ${x}`;
}

for (const rel of ['corpus/zeek/testing/btest/Traces/smtp.pcap', 'corpus/suricata-verify/tests/smtp-errors/smtperr.pcap', 'seed/message.pcap']) {
  test(`flows finds the connections of tshark -z conv,tcp: ${rel}`, async () => {
    const file = fixture(rel);
    const conv = tsharkConversations(file);
    assert.ok(conv.size > 0, 'tshark found no conversation');
    const res = await runCli(['flows', file]);
    assert.equal(res.code, 0, res.stderr);
    const lines = ndjson(res.stdout);
    const ours = lines.map((l) => pairKey(String(l.src_ip), Number(l.src_port), String(l.dst_ip), Number(l.dst_port)));
    assert.equal(lines.length, conv.size, `mailtap ${lines.length} connections, tshark ${conv.size}`);
    assert.deepEqual([...ours].sort(), [...conv].sort());
  });
}
