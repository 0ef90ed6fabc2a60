// Issue 8 / SPEC §6 extraction, end to end: a crafted capture whose message carries attachments
// named with path traversal, an absolute path, a NUL byte (RFC 2231) and 10,000 characters, plus
// files at, over and past the per-file and total caps, read by `mailtap read` with extraction on.
// Files land only under the directory, named by SHA-256; the sender's names stay data in events
// and sidecars; the caps hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN, classicPcap, ethernet, rawFrame, tcp4 } from '../../helpers/frames.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';

type Json = Record<string, unknown>;

const MIB = 1024 * 1024;
const CLIENT = { ip: '192.0.2.10', port: 40001 };
const SERVER = { ip: '198.51.100.25', port: 25 };
const MSS = 1400;
const LINKTYPE_ETHERNET = 1;

/** One TCP connection as Ethernet frames: handshake, the steps in order (each side ACKs the other), FINs. */
function session(steps: readonly { c?: Buffer | string; s?: Buffer | string }[]): Buffer {
  const frames: Buffer[] = [];
  let cseq = 1000;
  let sseq = 5000;
  const c2s = (flags: number, payload?: Buffer): void => {
    frames.push(ethernet(tcp4({ srcPort: CLIENT.port, dstPort: SERVER.port, seq: cseq, ack: sseq, flags, ...(payload === undefined ? {} : { payload }) }, { src: CLIENT.ip, dst: SERVER.ip })));
  };
  const s2c = (flags: number, payload?: Buffer): void => {
    frames.push(ethernet(tcp4({ srcPort: SERVER.port, dstPort: CLIENT.port, seq: sseq, ack: cseq, flags, ...(payload === undefined ? {} : { payload }) }, { src: SERVER.ip, dst: CLIENT.ip })));
  };
  c2s(TCP_SYN);
  cseq++;
  frames.push(ethernet(tcp4({ srcPort: SERVER.port, dstPort: CLIENT.port, seq: sseq, ack: cseq, flags: TCP_SYN | TCP_ACK }, { src: SERVER.ip, dst: CLIENT.ip })));
  sseq++;
  c2s(TCP_ACK);
  for (const step of steps) {
    const fromClient = step.c !== undefined;
    const bytes = Buffer.from(fromClient ? step.c! : step.s!);
    for (let off = 0; off < bytes.length; off += MSS) {
      const seg = bytes.subarray(off, off + MSS);
      if (fromClient) {
        c2s(TCP_ACK | TCP_PSH, seg);
        cseq += seg.length;
      } else {
        s2c(TCP_ACK | TCP_PSH, seg);
        sseq += seg.length;
      }
    }
  }
  c2s(TCP_FIN | TCP_ACK);
  cseq++;
  s2c(TCP_FIN | TCP_ACK);
  sseq++;
  c2s(TCP_ACK);
  return classicPcap(LINKTYPE_ETHERNET, frames.map((f, i) => rawFrame(f, LINKTYPE_ETHERNET, 1_700_000_000_000_000 + i * 100)));
}

function base64Lines(b: Buffer): string {
  return (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Part { header: string; name: string; body: Buffer }

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

test('mailtap read --extract: hostile filenames cannot shape a path, files are named by SHA-256, the caps hold', { timeout: 120_000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'mailtap-extract-hostile-'));
  const tag = randomBytes(6).toString('hex');
  // Where a naive writer would put the first two (checked afterwards: nothing may appear there).
  const escapeName = `mailtap-escape-${tag}`;
  const absTarget = join(work, `abs-${tag}`);
  const dir = join(work, 'extract');
  const long = 'L'.repeat(10_000);
  const exact = Buffer.alloc(MIB, 0x61);
  const over = Buffer.alloc(MIB + 1, 0x62);
  const second = Buffer.alloc(MIB, 0x63);
  const parts: Part[] = [
    { name: `../../../../../../${escapeName}`, header: `Content-Disposition: attachment; filename="../../../../../../${escapeName}"`, body: Buffer.from(`traversal ${tag}\n`) },
    { name: absTarget, header: `Content-Disposition: attachment; filename="${absTarget}"`, body: Buffer.from(`absolute ${tag}\n`) },
    { name: 'nul\0name/../../x', header: "Content-Disposition: attachment; filename*=utf-8''nul%00name%2F..%2F..%2Fx", body: Buffer.from(`nul ${tag}\n`) },
    { name: long, header: `Content-Disposition: attachment;\r\n filename="${long}"`, body: Buffer.from(`long ${tag}\n`) },
    { name: 'exact.bin', header: 'Content-Disposition: attachment; filename="exact.bin"', body: exact },
    { name: 'over.bin', header: 'Content-Disposition: attachment; filename="over.bin"', body: over },
    { name: 'second.bin', header: 'Content-Disposition: attachment; filename="second.bin"', body: second },
  ];
  const boundary = `b-${tag}`;
  const message = [
    'From: a@example.org', 'To: b@example.net', `Subject: hostile names ${tag}`, 'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`, '', 'preamble',
    ...parts.flatMap((p) => [`--${boundary}`, 'Content-Type: application/octet-stream', p.header, 'Content-Transfer-Encoding: base64', '', base64Lines(p.body)]),
    `--${boundary}--`, '',
  ].join('\r\n');
  const pcap = join(work, 'hostile.pcap');
  writeFileSync(pcap, session([
    { s: '220 mx.example.net ESMTP\r\n' }, { c: 'EHLO client.example.org\r\n' }, { s: '250-mx.example.net\r\n250 8BITMIME\r\n' },
    { c: 'MAIL FROM:<a@example.org>\r\n' }, { s: '250 OK\r\n' }, { c: 'RCPT TO:<b@example.net>\r\n' }, { s: '250 OK\r\n' },
    { c: 'DATA\r\n' }, { s: '354 go ahead\r\n' }, { c: `${message}.\r\n` }, { s: '250 queued\r\n' }, { c: 'QUIT\r\n' }, { s: '221 bye\r\n' },
  ]));
  try {
    const r = await runCli(['read', '--workers', '1', pcap], {
      env: { MAILTAP_EXTRACT_ENABLED: 'true', MAILTAP_EXTRACT_DIRECTORY: dir, MAILTAP_EXTRACT_MAX_FILE_MB: '1', MAILTAP_EXTRACT_MAX_TOTAL_MB: '2' },
    });
    assert.equal(r.code, 0, r.stderr);
    const tx = ndjson(r.stdout).find((e) => e['event'] === 'smtp_transaction');
    assert.ok(tx !== undefined, 'the transaction is reported');
    assert.equal(tx['status'], 'accepted');
    const atts = (tx['message'] as Json)['attachments'] as Json[];
    assert.deepEqual(atts.map((a) => a['filename']), parts.map((p) => p.name), 'the names stay data, decoded as sent');
    for (let i = 0; i < parts.length; i++) assert.equal(atts[i]!['sha256'], sha(parts[i]!.body), `${i}: hashes of every part, extracted or not`);

    const stored = (i: number): string => join(dir, sha(parts[i]!.body).slice(0, 2), sha(parts[i]!.body));
    for (let i = 0; i < 5; i++) {
      assert.equal(atts[i]!['extracted'], stored(i), `part ${i} is stored under its hash`);
      assert.ok(readFileSync(stored(i)).equals(parts[i]!.body), `part ${i}: the file holds the decoded bytes`);
    }
    assert.equal(atts[5]!['extracted'], undefined, 'one byte past max_file_mb: not extracted');
    assert.ok(!existsSync(stored(5)));
    assert.equal(atts[6]!['extracted'], undefined, 'past max_total_mb: not extracted');
    assert.ok(!existsSync(stored(6)));

    // Nothing outside the directory: not where the traversal or the absolute name point, nothing
    // beside the capture, and inside only <2 hex>/<sha256>[.json] (plus the temp directory).
    for (const base of [tmpdir(), '/', work, process.cwd()]) assert.ok(!existsSync(join(base, escapeName)), `the traversal escaped to ${base}`);
    assert.ok(!existsSync(absTarget), 'the absolute name was used');
    assert.deepEqual(readdirSync(work).sort(), ['extract', 'hostile.pcap']);
    let total = 0;
    for (const f of filesUnder(dir)) {
      const rel = relative(dir, f);
      assert.match(rel, /^(\.tmp\/.*|[0-9a-f]{2}\/[0-9a-f]{64}(\.json)?)$/, `unexpected file ${rel.slice(0, 200)}`);
      total += statSync(f).size;
    }
    assert.ok(total <= 2 * MIB, `bytes under the directory ${total} within max_total_mb`);
    const side = JSON.parse(readFileSync(`${stored(2)}.json`, 'utf8').trim().split('\n')[0]!) as Json;
    assert.equal(side['filename'], parts[2]!.name, 'the NUL name is data in the sidecar');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
