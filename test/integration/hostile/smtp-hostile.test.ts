// Hostile SMTP command streams end to end through `mailtap read -` (issue 8): a million RCPT,
// 100,000 pipelined commands, BDAT announcing 2^64 bytes, a huge line without a newline, random
// bytes and TLS on port 25. Each capture holds a normal session before the hostile connection and
// another interleaved with it; both must come out exactly as the normal session read alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertAnomaly, assertNormalUnchanged, assertSurvived, listedAnomalies } from '../../helpers/hostile-assert.js';
import { NormalSession } from '../../helpers/hostile-normal.js';
import { TcpConn, ip4 } from '../../helpers/hostile-pcap.js';
import type { PcapWriter } from '../../helpers/hostile-pcap.js';
import { NORMAL_A_PORT, NORMAL_B_PORT, anomalyCount, runHostile } from '../../helpers/hostile-run.js';

const ATTACKER = '203.0.113.66';
const B = Buffer.from.bind(Buffer) as (s: string, enc?: BufferEncoding) => Buffer;

/** Normal session A whole, then the hostile connection (port 50000) opened with an ESMTP greeting. */
function open(w: PcapWriter, cport = 50000): { h: TcpConn; nb: NormalSession } {
  new NormalSession(w, NORMAL_A_PORT).all();
  const nb = new NormalSession(w, NORMAL_B_PORT);
  const h = new TcpConn(w, ip4(ATTACKER), ip4('198.51.100.25'), cport);
  h.handshake();
  h.s(B('220 mx.example.net ESMTP\r\n'));
  h.c(B('EHLO attacker.example\r\n'));
  h.s(B('250-mx.example.net\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n'));
  return { h, nb };
}

function finish(h: TcpConn, nb: NormalSession): void {
  h.c(B('QUIT\r\n'));
  h.s(B('221 2.0.0 Bye\r\n'));
  h.close();
  while (nb.step());
}

/** Deterministic noise (xorshift32), so a failure replays byte for byte. */
let noiseState = 0x9e3779b9;
function randomBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = noiseState;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  noiseState = x;
  return b;
}

function hostileEvents(r: { events: Record<string, unknown>[] }, event: string): Record<string, unknown>[] {
  return r.events.filter((e) => e.src_ip === ATTACKER && e.event === event);
}

test('a million RCPT in one transaction: 1000 listed, smtp_recipients_exceeded, bounded memory', async (t) => {
  const N = 1_000_000;
  const PER = 50;
  const r = await runHostile(function* (w) {
    const { h, nb } = open(w);
    h.c(B('MAIL FROM:<spam@attacker.example>\r\n'));
    h.s(B('250 2.1.0 Ok\r\n'));
    const replies = B('250 2.1.5 Ok\r\n'.repeat(PER));
    for (let i = 0; i < N; i += PER) {
      let lines = '';
      for (let k = i; k < i + PER; k++) lines += `RCPT TO:<u${k}@victim.example>\r\n`;
      h.c(B(lines));
      h.s(replies);
      if (i % 50_000 === 0) {
        nb.step();
        yield;
      }
    }
    h.c(B('DATA\r\n'));
    h.s(B('354 go\r\n'));
    h.c(B('Subject: hi\r\n\r\nbuy now\r\n.\r\n'));
    h.s(B('250 2.0.0 queued\r\n'));
    finish(h, nb);
  });
  await assertSurvived(t, r);
  const n = assertAnomaly(r, 'smtp_recipients_exceeded');
  t.diagnostic(`smtp_recipients_exceeded counted ${n}`);
  const [tr] = hostileEvents(r, 'smtp_transaction');
  assert.ok(tr !== undefined);
  const rcpt = tr.rcpt_to as string[];
  assert.equal(rcpt.length, 1000);
  assert.equal(rcpt[0], 'u0@victim.example');
  assert.equal(rcpt[999], 'u999@victim.example');
  assert.equal(tr.status, 'accepted');
  assert.ok((tr.anomalies as string[]).includes('smtp_recipients_exceeded'));
  const [se] = hostileEvents(r, 'smtp_session');
  assert.equal(se?.commands, N + 4);
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
});

test('100,000 pipelined commands with no reply: the queue is cleared, smtp_excessive_pending_cmds', async (t) => {
  const N = 100_000;
  const PER = 200;
  const r = await runHostile(function* (w) {
    const { h, nb } = open(w);
    const batch = B('NOOP\r\n'.repeat(PER));
    for (let i = 0; i < N; i += PER) {
      h.c(batch);
      if (i % 10_000 === 0) nb.step();
    }
    yield;
    // The replies all come late: at most pending_commands of them can still be matched.
    const replies = B('250 2.0.0 Ok\r\n'.repeat(PER));
    for (let i = 0; i < N; i += PER) {
      h.s(replies);
      if (i % 10_000 === 0) nb.step();
    }
    finish(h, nb);
  });
  await assertSurvived(t, r);
  const n = assertAnomaly(r, 'smtp_excessive_pending_cmds');
  t.diagnostic(`smtp_excessive_pending_cmds counted ${n}, smtp_unmatched_reply ${assertAnomaly(r, 'smtp_unmatched_reply')}`);
  const [se] = hostileEvents(r, 'smtp_session');
  assert.equal(se?.commands, N + 2);
  assert.ok(listedAnomalies(r, ATTACKER, 50000).has('smtp_excessive_pending_cmds'));
  // Anomaly events stay within limits.anomaly_events_per_session (default 100) per connection.
  assert.ok(r.events.filter((e) => e.event === 'anomaly' && e.src_ip === ATTACKER).length <= 100);
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
});

test('BDAT announcing 2^64 bytes: smtp_bdat_bad_size, the bytes after it are not swallowed', async (t) => {
  const r = await runHostile(function* (w) {
    const { h, nb } = open(w);
    h.c(B('MAIL FROM:<a@attacker.example>\r\n'));
    h.s(B('250 Ok\r\n'));
    nb.step();
    h.c(B('RCPT TO:<b@victim.example>\r\n'));
    h.s(B('250 Ok\r\n'));
    nb.step();
    h.c(B('BDAT 18446744073709551616 LAST\r\n'));
    h.s(B('501 5.5.4 Syntax error in BDAT size\r\n'));
    nb.step();
    yield;
    // A size that parsed would make these bytes chunk data: they must still read as commands.
    h.c(B('RSET\r\n'));
    h.s(B('250 Ok\r\n'));
    h.c(B('MAIL FROM:<c@attacker.example>\r\n'));
    h.s(B('250 Ok\r\n'));
    h.c(B('RCPT TO:<d@victim.example>\r\n'));
    h.s(B('250 Ok\r\n'));
    h.c(B('BDAT 5 LAST\r\nhello'));
    h.s(B('250 2.0.0 queued\r\n'));
    finish(h, nb);
  });
  await assertSurvived(t, r);
  assertAnomaly(r, 'smtp_bdat_bad_size');
  const trs = hostileEvents(r, 'smtp_transaction');
  // The refused BDAT carried no chunk: the first transaction is rejected by its 501, not BDAT.
  assert.deepEqual(
    trs.map((e) => [e.mail_from, e.status, e.bdat, e.data_bytes]),
    [
      ['a@attacker.example', 'rejected', false, 0],
      ['c@attacker.example', 'accepted', true, 5],
    ],
  );
  assert.ok((trs[0]?.anomalies as string[]).includes('smtp_bdat_bad_size'));
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
});

/** The full GiB by default (about 10 s here); HOSTILE_LINE_MB=64 for a quick local run. */
const LINE_MB = Number(process.env.HOSTILE_LINE_MB ?? '1024');

test(`a ${LINE_MB} MiB command line without a newline: smtp_line_too_long, skipped, not buffered`, async (t) => {
  const SEG = 65000; // the largest TCP payload an IPv4 packet carries, rounded down
  const total = LINE_MB * 1048576;
  const r = await runHostile(function* (w) {
    const { h, nb } = open(w);
    const seg = Buffer.alloc(SEG, 0x41);
    let sent = 0;
    let k = 0;
    while (sent < total) {
      const n = Math.min(SEG, total - sent);
      h.c(n === SEG ? seg : seg.subarray(0, n));
      sent += n;
      if (++k % 64 === 0) {
        if (k % 1024 === 0) nb.step();
        yield;
      }
    }
    h.c(B('\r\n'));
    h.s(B('500 5.5.2 Line too long\r\n'));
    h.c(B('NOOP\r\n'));
    h.s(B('250 Ok\r\n'));
    finish(h, nb);
  });
  t.diagnostic(`${LINE_MB} MiB line: ${r.ms} ms wall, ${((r.inputBytes / 1048576) / (r.ms / 1000)).toFixed(0)} MiB/s`);
  await assertSurvived(t, r);
  assertAnomaly(r, 'smtp_line_too_long');
  const [se] = hostileEvents(r, 'smtp_session');
  assert.ok(se !== undefined);
  assert.equal(se.bytes_client, 'EHLO attacker.example\r\n'.length + total + 2 + 'NOOP\r\nQUIT\r\n'.length);
  assert.equal(se.commands, 4, 'EHLO, the long line, NOOP, QUIT');
  assert.ok((se.anomalies as string[]).includes('smtp_line_too_long'));
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
});

test('random bytes and TLS on port 25: no crash, counted, the normal sessions untouched', async (t) => {
  const r = await runHostile(function* (w) {
    new NormalSession(w, NORMAL_A_PORT).all();
    const nb = new NormalSession(w, NORMAL_B_PORT);
    // Noise both ways where the greeting and commands should be.
    const rnd = new TcpConn(w, ip4(ATTACKER), ip4('198.51.100.25'), 50001);
    rnd.handshake();
    for (let i = 0; i < 256; i++) {
      rnd.c(randomBytes(1400));
      rnd.s(randomBytes(700));
      if (i % 32 === 0) nb.step();
    }
    rnd.close();
    yield;
    // Implicit TLS on port 25: a ClientHello where the greeting should be, then records both ways.
    const tls = new TcpConn(w, ip4(ATTACKER), ip4('198.51.100.25'), 50002);
    tls.handshake();
    const hello = Buffer.concat([B('160301', 'hex'), B('00c4', 'hex'), B('01', 'hex'), randomBytes(195)]);
    tls.c(hello);
    tls.s(Buffer.concat([B('160303005a02', 'hex'), randomBytes(89)]));
    for (let i = 0; i < 64; i++) {
      tls.c(Buffer.concat([B('17030305a0', 'hex'), randomBytes(1440)]));
      tls.s(Buffer.concat([B('1703030200', 'hex'), randomBytes(512)]));
      if (i % 16 === 0) nb.step();
    }
    tls.close();
    while (nb.step());
  });
  await assertSurvived(t, r);
  t.diagnostic(`anomalies: ${[...r.metrics].filter(([k, v]) => k.startsWith('mailtap_anomalies_total') && v > 0).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  // The noise is not SMTP: left alone and counted, nothing invented. The ClientHello first is
  // implicit TLS since issue 16: one smtp_session with its (random) handshake, nothing parsed inside.
  assert.equal(anomalyCount(r, 'smtp_not_smtp'), 1);
  const attacker = r.events.filter((e) => e.src_ip === ATTACKER);
  assert.ok(attacker.every((e) => e.src_port === 50002), 'no event invented from the noise');
  const sessions = attacker.filter((e) => e.event === 'smtp_session');
  assert.equal(sessions.length, 1);
  assert.equal(sessions[0]!.implicit_tls, true);
  assert.equal((sessions[0]!.tls_handshake as { outcome: string }).outcome, 'established', 'records flowed both ways');
  assert.equal(sessions[0]!.commands, 0);
  for (const e of attacker) if (e.event !== 'smtp_session') assert.match(String(e.name), /^smtp_tls_/);
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
});
