// Extractor with the real MIME engine: attachments and the whole message land under their
// SHA-256 with the decoded bytes; hostile filenames (traversal, absolute, NUL, 10,000 chars,
// unicode) never reach a path and come back verbatim in the sidecar; caps and switches hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { limitsSchema } from '../../../src/config/schema.js';
import { Extractor } from '../../../src/extract/extractor.js';
import type { ExtractCounters } from '../../../src/extract/file-writer.js';
import type { ExtractOptions } from '../../../src/extract/options.js';
import { TMP_DIR } from '../../../src/extract/store.js';
import { makeMessageParserFactory, type HashName } from '../../../src/mime/index.js';
import type { MessageResult } from '../../../src/mime/types.js';
import type { FlowOpenInfo } from '../../../src/flow/types.js';
import type { TransactionFacts } from '../../../src/smtp/types.js';

const limits = limitsSchema.parse({});
const LONG = 'A'.repeat(10_000);

interface Att {
  header: string;
  body: Buffer;
}

/** Attachments whose filenames a hostile sender chose; bodies are distinct. */
const HOSTILE: Att[] = [
  { header: 'Content-Disposition: attachment; filename="../../etc/passwd"', body: Buffer.from('root:x:0:0\n') },
  { header: 'Content-Disposition: attachment; filename="/abs/evil.sh"', body: Buffer.from('#!/bin/sh\nrm -rf /\n') },
  { header: "Content-Disposition: attachment; filename*=utf-8''a%00b%2F..%2Fc", body: Buffer.from('nul name') },
  { header: `Content-Disposition: attachment; filename="${LONG}"`, body: Buffer.from('long name') },
  { header: "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9%20%E6%97%A5%E6%9C%AC.pdf", body: Buffer.from('%PDF-1.4 unicode') },
  { header: 'Content-Disposition: attachment; filename="copy.txt"', body: Buffer.from('root:x:0:0\n') },
];

function buildMessage(atts: Att[]): Buffer {
  const lines = ['From: a@example.com', 'To: b@example.com', 'Subject: files', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XYZ"', '', '--XYZ', 'Content-Type: text/plain', '', 'hello', ''];
  for (const a of atts) {
    lines.push('--XYZ', 'Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64', a.header, '');
    const b64 = a.body.toString('base64');
    for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  }
  lines.push('--XYZ--', '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

interface Setup {
  dir: string;
  ex: Extractor;
  counts: string[];
  parse(msg: Buffer, chunk?: number): MessageResult;
}

function setup(over: Partial<ExtractOptions> = {}, hashes: HashName[] = ['md5', 'sha1', 'sha256']): Setup {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-extractor-'));
  const counts: string[] = [];
  const counters: ExtractCounters = { file: (k, r) => counts.push(`${k}:${r}`), bytes: () => undefined };
  const opts: ExtractOptions = { directory: dir, attachments: true, messages: true, maxFileBytes: 1 << 20, maxTotalBytes: 1 << 24, ...over };
  const ex = new Extractor(opts, counters, hashes.includes('sha256'));
  const mime = makeMessageParserFactory(ex.bodyTap === undefined ? { limits, hashes } : { limits, hashes, bodyTap: ex.bodyTap });
  const factory = ex.wrapFactory(mime);
  return {
    dir,
    ex,
    counts,
    parse(msg, chunk = 7) {
      const p = factory({ mailFrom: 'a@example.com', srcIp: '192.0.2.1' });
      for (let i = 0; i < msg.length; i += chunk) p.write(msg.subarray(i, i + chunk));
      return p.end();
    },
  };
}

/** Every path under dir, relative; asserts the layout has nothing but hash-named entries. */
function assertLayout(dir: string): string[] {
  const out: string[] = [];
  for (const top of readdirSync(dir)) {
    if (top === TMP_DIR) {
      assert.deepEqual(readdirSync(join(dir, top)), [], 'no temp file left');
      continue;
    }
    assert.match(top, /^[0-9a-f]{2}$/);
    for (const f of readdirSync(join(dir, top))) {
      assert.match(f, new RegExp(`^${top}[0-9a-f]{62}(\\.json)?$`));
      out.push(relative(dir, join(dir, top, f)));
    }
  }
  return out.sort();
}

const INFO: FlowOpenInfo = {
  flow: 1,
  uid: 'Cabc123',
  communityId: '1:abcdefghijklmnopqrstuvwxyz0=',
  client: { ip: '192.0.2.1', port: 1234 },
  server: { ip: '198.51.100.2', port: 25 },
  vlan: [],
  midstream: false,
};

function facts(res: MessageResult, dataBytes: number): TransactionFacts {
  return {
    tsMicros: 1_246_271_943_000_000,
    trans_depth: 1,
    tls: false,
    mail_from: 'a@example.com',
    rcpt_to: ['b@example.com', 'c@example.com'],
    rcpt_rejected: [],
    status: 'accepted',
    data_bytes: dataBytes,
    bdat: false,
    gap_bytes: 0,
    message: res.message,
    anomalies: res.anomalies,
  };
}

test('hostile filenames never shape a path; files hold the decoded bytes; duplicates share one file', () => {
  const s = setup();
  const msg = buildMessage(HOSTILE);
  const res = s.parse(msg);
  const atts = res.message.attachments;
  assert.equal(atts.length, HOSTILE.length);
  for (let i = 0; i < HOSTILE.length; i++) {
    const h = sha(HOSTILE[i]!.body);
    assert.equal(atts[i]!.sha256, h);
    assert.equal(atts[i]!.extracted, join(s.dir, h.slice(0, 2), h));
    assert.deepEqual(readFileSync(atts[i]!.extracted!), HOSTILE[i]!.body);
  }
  assert.equal(atts[2]!.filename, 'a\0b/../c');
  assert.equal(atts[3]!.filename, LONG);
  assert.equal(atts[4]!.filename, 'résumé 日本.pdf');
  assert.equal(res.message.extracted, join(s.dir, sha(msg).slice(0, 2), sha(msg)));
  assert.deepEqual(readFileSync(res.message.extracted), msg);
  assert.equal(s.counts.filter((c) => c === 'attachment:stored').length, 5);
  assert.deepEqual(s.counts.filter((c) => c !== 'attachment:stored'), ['attachment:duplicate', 'message:stored']);
  assert.equal(assertLayout(s.dir).length, 6, 'five attachments and the message');
  rmSync(s.dir, { recursive: true, force: true });
});

test('sidecars: one line per sighting with the transaction fields and the filename as data', () => {
  const s = setup();
  const msg = buildMessage(HOSTILE);
  const res = s.parse(msg);
  s.ex.onTransaction(INFO, facts(res, msg.length));
  const files = assertLayout(s.dir);
  assert.equal(files.filter((f) => f.endsWith('.json')).length, 6);
  const passwd = sha(HOSTILE[0]!.body);
  const lines = readFileSync(join(s.dir, passwd.slice(0, 2), `${passwd}.json`), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 2, 'the same bytes were attached twice');
  const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(first!.filename, '../../etc/passwd');
  assert.equal(second!.filename, 'copy.txt');
  assert.equal(first!.uid, 'Cabc123');
  assert.equal(first!.community_id, INFO.communityId);
  assert.equal(first!.mail_from, 'a@example.com');
  assert.deepEqual(first!.rcpt_to, ['b@example.com', 'c@example.com']);
  assert.equal(first!.subject, 'files');
  assert.equal(first!.kind, 'attachment');
  assert.equal(first!.content_type, 'application/octet-stream');
  assert.equal(first!.size, HOSTILE[0]!.body.length);
  assert.equal(first!.sha256, passwd);
  assert.equal(first!.ts, '2009-06-29T10:39:03.000000Z');
  const nul = sha(HOSTILE[2]!.body);
  const nulLine = readFileSync(join(s.dir, nul.slice(0, 2), `${nul}.json`), 'utf8');
  assert.ok(nulLine.includes('"a\\u0000b/../c"'), 'NUL is JSON-escaped');
  const long = sha(HOSTILE[3]!.body);
  assert.equal((JSON.parse(readFileSync(join(s.dir, long.slice(0, 2), `${long}.json`), 'utf8')) as { filename: string }).filename, LONG);
  const m = sha(msg);
  const ml = JSON.parse(readFileSync(join(s.dir, m.slice(0, 2), `${m}.json`), 'utf8')) as Record<string, unknown>;
  assert.equal(ml.kind, 'message');
  assert.equal(ml.size, msg.length);
  assert.equal(ml.filename, undefined);
  assert.equal(statSync(res.message.extracted!).size, msg.length);
  assert.equal(s.counts.filter((c) => c === 'sidecar:stored').length, 7);
  rmSync(s.dir, { recursive: true, force: true });
});

test('chunking does not change what is extracted', () => {
  const msg = buildMessage(HOSTILE.slice(0, 3));
  const a = setup();
  const b = setup();
  const ra = a.parse(msg, 1);
  const rb = b.parse(msg, 4096);
  assert.deepEqual(ra.message.attachments.map((x) => x.extracted!.slice(a.dir.length)), rb.message.attachments.map((x) => x.extracted!.slice(b.dir.length)));
  assert.deepEqual(assertLayout(a.dir), assertLayout(b.dir));
  rmSync(a.dir, { recursive: true, force: true });
  rmSync(b.dir, { recursive: true, force: true });
});

test('without sha256 in output.hashes the files are still named by their SHA-256', () => {
  const s = setup({}, ['md5']);
  const res = s.parse(buildMessage(HOSTILE.slice(0, 1)));
  const a = res.message.attachments[0]!;
  assert.equal(a.sha256, undefined);
  const h = sha(HOSTILE[0]!.body);
  assert.equal(a.extracted, join(s.dir, h.slice(0, 2), h));
  rmSync(s.dir, { recursive: true, force: true });
});

test('per-file cap through the MIME engine: max_file bytes stored, one more skipped, message too', () => {
  const exact = Buffer.alloc(64, 0x61);
  const over = Buffer.alloc(65, 0x62);
  const msg = buildMessage([
    { header: 'Content-Disposition: attachment; filename="exact"', body: exact },
    { header: 'Content-Disposition: attachment; filename="over"', body: over },
  ]);
  const s = setup({ maxFileBytes: 64 });
  const res = s.parse(msg);
  assert.equal(res.message.attachments[0]!.extracted, join(s.dir, sha(exact).slice(0, 2), sha(exact)));
  assert.equal(res.message.attachments[1]!.extracted, undefined);
  assert.equal(res.message.attachments[1]!.sha256, sha(over), 'the event still has the hashes');
  assert.equal(res.message.extracted, undefined, 'the whole message is larger than the cap');
  assert.deepEqual(s.counts.sort(), ['attachment:stored', 'attachment:too_large', 'message:too_large']);
  assertLayout(s.dir);
  rmSync(s.dir, { recursive: true, force: true });
});

test('switches: attachments only, messages only', () => {
  const msg = buildMessage(HOSTILE.slice(0, 1));
  const a = setup({ messages: false });
  const ra = a.parse(msg);
  assert.ok(ra.message.attachments[0]!.extracted !== undefined);
  assert.equal(ra.message.extracted, undefined);
  const m = setup({ attachments: false });
  assert.equal(m.ex.bodyTap, undefined);
  const rm = m.parse(msg);
  assert.equal(rm.message.attachments[0]!.extracted, undefined);
  assert.ok(rm.message.extracted !== undefined);
  rmSync(a.dir, { recursive: true, force: true });
  rmSync(m.dir, { recursive: true, force: true });
});

test('a gap inside the message drops the whole-message file and the part it touched', () => {
  const msg = buildMessage(HOSTILE.slice(0, 2));
  const s = setup();
  const factory = s.ex.wrapFactory(makeMessageParserFactory({ limits, hashes: ['sha256'], bodyTap: s.ex.bodyTap! }));
  const p = factory({ mailFrom: 'a@example.com', srcIp: '192.0.2.1' });
  const cut = msg.indexOf('filename="/abs');
  const b64 = msg.indexOf('\r\n\r\n', cut) + 4;
  p.write(msg.subarray(0, b64 + 4));
  p.gap(8);
  p.write(msg.subarray(b64 + 12));
  const res = p.end();
  assert.ok(res.message.attachments[0]!.extracted !== undefined, 'the part before the gap is whole');
  assert.equal(res.message.attachments[1]!.extracted, undefined);
  assert.ok((res.message.attachments[1]!.missing_bytes ?? 0) > 0);
  assert.equal(res.message.extracted, undefined);
  assert.deepEqual(s.counts.sort(), ['attachment:incomplete', 'attachment:stored', 'message:incomplete']);
  assertLayout(s.dir);
  rmSync(s.dir, { recursive: true, force: true });
});

test('the total cap across files: beyond it files are skipped and counted, sidecars too', () => {
  const body = Buffer.alloc(100, 0x7a);
  const s = setup({ messages: false, maxTotalBytes: 100 });
  const r1 = s.parse(buildMessage([{ header: 'Content-Disposition: attachment; filename="z"', body }]));
  assert.ok(r1.message.attachments[0]!.extracted !== undefined, 'exactly the total cap');
  const other = Buffer.alloc(1, 0x79);
  const r2 = s.parse(buildMessage([{ header: 'Content-Disposition: attachment; filename="y"', body: other }]));
  assert.equal(r2.message.attachments[0]!.extracted, undefined, 'one byte past it');
  s.ex.onTransaction(INFO, facts(r1, 0));
  assert.deepEqual(s.counts, ['attachment:stored', 'attachment:total_cap', 'sidecar:total_cap']);
  assert.equal(s.ex.budget.usedBytes, 100);
  rmSync(s.dir, { recursive: true, force: true });
});
