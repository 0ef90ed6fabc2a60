// Hostile MIME end to end through `mailtap read -` (issue 8): nesting 10,000 deep, a million parts,
// a 10 MB header, a boundary storm and base64 full of garbage, each the DATA of an otherwise
// well-formed transaction. Each capture also holds a normal session before it and one interleaved
// with it; both must come out exactly as the normal session read alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { assertAnomaly, assertNormalUnchanged, assertSurvived } from '../../helpers/hostile-assert.js';
import { NormalSession } from '../../helpers/hostile-normal.js';
import { closeData, openData } from '../../helpers/hostile-smtp.js';
import { TcpConn, ip4 } from '../../helpers/hostile-pcap.js';
import { NORMAL_A_PORT, NORMAL_B_PORT, runHostile } from '../../helpers/hostile-run.js';
import type { HostileResult } from '../../helpers/hostile-run.js';

const ATTACKER = '203.0.113.66';
const B = (s: string): Buffer => Buffer.from(s, 'latin1');
/** TCP payload per DATA segment: large, as a sender with TSO/GRO would appear in a capture. */
const SEG = 65000;

type Obj = Record<string, unknown>;

/**
 * Normal session A, then one hostile transaction whose DATA is `message` (no line may start with a
 * dot: the generators never write one), with normal session B interleaved. Returns the DATA size.
 */
async function runMessage(message: () => Generator<Buffer>, env: Record<string, string> = {}): Promise<{ r: HostileResult; size: number }> {
  let size = 0;
  const r = await runHostile(
    function* (w) {
      new NormalSession(w, NORMAL_A_PORT).all();
      const nb = new NormalSession(w, NORMAL_B_PORT);
      const h = new TcpConn(w, ip4(ATTACKER), ip4('198.51.100.25'), 50100);
      openData(h);
      nb.step();
      const seg = Buffer.allocUnsafe(SEG);
      let used = 0;
      let segs = 0;
      for (const chunk of message()) {
        size += chunk.length;
        let off = 0;
        while (off < chunk.length) {
          const n = Math.min(SEG - used, chunk.length - off);
          chunk.copy(seg, used, off, off + n);
          used += n;
          off += n;
          if (used === SEG) {
            h.c(seg);
            used = 0;
            if (++segs % 16 === 0) {
              nb.step();
              yield;
            }
          }
        }
      }
      if (used > 0) h.c(seg.subarray(0, used));
      closeData(h);
      while (nb.step());
    },
    { env },
  );
  return { r, size };
}

function hostileTx(r: HostileResult): { tx: Obj; msg: Obj } {
  const list = r.events.filter((e) => e.src_ip === ATTACKER && e.event === 'smtp_transaction');
  assert.equal(list.length, 1, JSON.stringify(r.events.filter((e) => e.src_ip === ATTACKER)).slice(0, 2000));
  const tx = list[0]!;
  assert.equal(tx.status, 'accepted');
  assert.ok(typeof tx.message === 'object' && tx.message !== null, 'a message object');
  return { tx, msg: tx.message as Obj };
}

async function common(t: TestContext, r: HostileResult, size: number, env: Record<string, string> = {}): Promise<{ tx: Obj; msg: Obj }> {
  await assertSurvived(t, r, { env });
  const got = hostileTx(r);
  assert.equal(got.tx.data_bytes, size, 'every DATA byte accounted for');
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
  return got;
}

test('MIME nested 10,000 deep: mime_depth_exceeded, deeper parts opaque', async (t) => {
  const DEPTH = 10_000;
  const { r, size } = await runMessage(function* () {
    yield B('Subject: deep\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n');
    for (let i = 1; i < DEPTH; i++) yield B(`--b${i - 1}\r\nContent-Type: multipart/mixed; boundary="b${i}"\r\n\r\n`);
    yield B(`--b${DEPTH - 1}\r\nContent-Type: text/plain\r\n\r\nthe bottom\r\n--b${DEPTH - 1}--\r\n`);
    for (let i = DEPTH - 2; i >= 0; i--) yield B(`--b${i}--\r\n`);
  });
  const { tx, msg } = await common(t, r, size);
  assertAnomaly(r, 'mime_depth_exceeded');
  assert.ok((tx.anomalies as string[]).includes('mime_depth_exceeded'));
  assert.equal(msg.subject, 'deep');
  t.diagnostic(`parts reported: ${String(msg.parts)}`);
  assert.ok(typeof msg.parts === 'number' && msg.parts <= 101, 'no entity below limits.mime_depth is counted as a part of its own');
});

test('a million MIME parts: mime_parts_exceeded, the rest only counted', async (t) => {
  const N = 1_000_000;
  const env = { MAILTAP_LIMITS_MIME_PARTS: '10000' };
  const { r, size } = await runMessage(function* () {
    yield B('Subject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="p"\r\n\r\n');
    const block = B('--p\r\n\r\nx\r\n'.repeat(1000));
    for (let i = 0; i < N; i += 1000) yield block;
    yield B('--p--\r\n');
  }, env);
  const { tx, msg } = await common(t, r, size, env);
  assertAnomaly(r, 'mime_parts_exceeded');
  assert.ok((tx.anomalies as string[]).includes('mime_parts_exceeded'));
  t.diagnostic(`parts reported: ${String(msg.parts)}`);
  assert.ok(typeof msg.parts === 'number' && msg.parts >= 10_000);
});

test('a 10 MB header: mime_header_too_long, truncated, the headers before it kept', async (t) => {
  const MB = 10;
  const { r, size } = await runMessage(function* () {
    yield B('Subject: big header\r\nMessage-ID: <big@attacker.example>\r\nX-Big: start');
    // Folded (RFC 5322 §2.2.3) into 998-byte lines: one header, 10 MB long, no line too long.
    const fold = B(`\r\n\t${'a'.repeat(995)}`);
    for (let n = 0; n < MB * 1048576; n += fold.length) yield fold;
    yield B('\r\nContent-Type: text/plain\r\n\r\nbody\r\n');
  });
  const { tx, msg } = await common(t, r, size);
  assertAnomaly(r, 'mime_header_too_long');
  assert.ok((tx.anomalies as string[]).includes('mime_header_too_long'));
  assert.equal(msg.subject, 'big header');
  assert.equal(msg.message_id, 'big@attacker.example');
});

test('a boundary storm: 3,000 rounds of 100 nested boundaries that prefix each other', async (t) => {
  const LEVELS = 100;
  const ROUNDS = 3000;
  const env = { MAILTAP_LIMITS_MIME_PARTS: '10000' };
  const { r, size } = await runMessage(function* () {
    // Boundaries s, ss, sss …, each a prefix of every deeper one (RFC 2046 §5.1.1 forbids it,
    // attackers don't): every line is a candidate delimiter for the whole stack. No level is ever
    // closed: each round's first line is level 1's delimiter, ending the 99 levels inside it.
    yield B('Subject: storm\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="s"\r\n\r\n');
    let round = '';
    for (let k = 1; k < LEVELS; k++) round += `--${'s'.repeat(k)}\r\nContent-Type: multipart/mixed; boundary="${'s'.repeat(k + 1)}"\r\n\r\n`;
    const block = B(round);
    for (let i = 0; i < ROUNDS; i++) yield block;
    yield B('--s--\r\n');
  }, env);
  const { tx, msg } = await common(t, r, size, env);
  const parts = assertAnomaly(r, 'mime_parts_exceeded');
  const missing = assertAnomaly(r, 'mime_boundary_missing');
  t.diagnostic(`parts reported: ${String(msg.parts)}, mime_parts_exceeded ${parts}, mime_boundary_missing ${missing}`);
  assert.ok((tx.anomalies as string[]).includes('mime_parts_exceeded'));
  assert.ok(typeof msg.parts === 'number' && msg.parts >= 10_000);
  assert.equal(msg.subject, 'storm');
});

test('base64 full of garbage: mime_invalid_base64, decoded what decodes, no crash', async (t) => {
  const MB = 4;
  const { r, size } = await runMessage(function* () {
    yield B('Subject: garbage\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="g"\r\n\r\n');
    yield B('--g\r\nContent-Type: application/octet-stream; name="junk.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n');
    // Every byte value but CR, LF and '.', in 76-byte lines, with runs of '=' padding mid-stream.
    const line = Buffer.alloc(78);
    let x = 12345;
    for (let n = 0; n < MB * 1048576; n += line.length) {
      for (let i = 0; i < 76; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        let c = (x >>> 16) & 0xff;
        if (c === 0x0d || c === 0x0a || c === 0x2e) c = 0x3d;
        line[i] = c;
      }
      line[76] = 0x0d;
      line[77] = 0x0a;
      yield Buffer.from(line);
    }
    yield B('--g--\r\n');
  });
  const { tx, msg } = await common(t, r, size);
  assertAnomaly(r, 'mime_invalid_base64');
  assert.ok((tx.anomalies as string[]).includes('mime_invalid_base64'));
  const atts = msg.attachments as Obj[];
  assert.equal(atts.length, 1);
  assert.equal(atts[0]?.filename, 'junk.bin');
  assert.equal(typeof atts[0]?.sha256, 'string');
});

/** The full GiB by default (about 15 s here); HOSTILE_DATA_LINE_MB=64 for a quick local run. */
const DATA_LINE_MB = Number(process.env.HOSTILE_DATA_LINE_MB ?? '1024');

test(`a ${DATA_LINE_MB} MiB message line without a newline: mime_line_too_long, hashed, not buffered`, async (t) => {
  const { r, size } = await runMessage(function* () {
    yield B('Subject: one line\r\nContent-Type: text/plain\r\n\r\n');
    const chunk = Buffer.alloc(1 << 20, 0x78);
    for (let i = 0; i < DATA_LINE_MB; i++) yield chunk;
    yield B('\r\n');
  });
  const { tx, msg } = await common(t, r, size);
  assertAnomaly(r, 'mime_line_too_long');
  assert.ok((tx.anomalies as string[]).includes('mime_line_too_long'));
  assert.equal(msg.subject, 'one line');
  assert.equal(typeof msg.text_sha256, 'string');
});

