// Hostile capture files end to end through `mailtap read -` (issue 8): a capture that stops in the
// middle of a record (inside its data, inside its header) and a record announcing 4 GiB. Each holds
// a normal session before the damage and one interleaved with the connection the cut interrupts;
// both must come out exactly as the normal session read alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertNormalUnchanged, assertSurvived } from '../../helpers/hostile-assert.js';
import { NormalSession } from '../../helpers/hostile-normal.js';
import { TcpConn, ip4 } from '../../helpers/hostile-pcap.js';
import type { PcapWriter } from '../../helpers/hostile-pcap.js';
import { NORMAL_A_PORT, NORMAL_B_PORT, runHostile } from '../../helpers/hostile-run.js';
import type { HostileResult } from '../../helpers/hostile-run.js';

const ATTACKER = '203.0.113.66';
const B = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Normal A whole; a transaction left inside DATA with normal B interleaved and finished. */
function* upToTheCut(w: PcapWriter): Generator<void> {
  new NormalSession(w, NORMAL_A_PORT).all();
  const nb = new NormalSession(w, NORMAL_B_PORT);
  const h = new TcpConn(w, ip4(ATTACKER), ip4('198.51.100.25'), 50200);
  h.handshake();
  nb.step();
  h.s(B('220 mx.example.net ESMTP\r\n'));
  h.c(B('EHLO attacker.example\r\n'));
  nb.step();
  h.s(B('250 mx.example.net\r\n'));
  h.c(B('MAIL FROM:<a@attacker.example>\r\n'));
  h.s(B('250 Ok\r\n'));
  nb.step();
  h.c(B('RCPT TO:<b@victim.example>\r\n'));
  h.s(B('250 Ok\r\n'));
  h.c(B('DATA\r\n'));
  h.s(B('354 go\r\n'));
  h.c(B('Subject: cut short\r\n\r\nfirst line\r\n'));
  yield;
  while (nb.step());
}

function hostileTx(r: HostileResult): Record<string, unknown> {
  const list = r.events.filter((e) => e.src_ip === ATTACKER && e.event === 'smtp_transaction');
  assert.equal(list.length, 1);
  return list[0]!;
}

function assertCutSession(r: HostileResult): void {
  const tx = hostileTx(r);
  assert.equal(tx.mail_from, 'a@attacker.example');
  assert.equal(tx.status, 'aborted', 'the capture ended before the end of data');
  assert.equal(tx.data_bytes, 'Subject: cut short\r\n\r\nfirst line\r\n'.length);
  const [se] = r.events.filter((e) => e.src_ip === ATTACKER && e.event === 'smtp_session');
  assert.equal(se?.close, 'eof');
}

function assertTruncationLogged(r: HostileResult): void {
  assert.ok(
    r.log.some((l) => l.level === 'warn' && /truncated/.test(String(l.msg))),
    `a warning names the truncation: ${r.stderr.slice(0, 2000)}`,
  );
}

test('a capture truncated mid-record (inside the packet data): exit 0, a warning, sessions flushed as eof', async (t) => {
  const r = await runHostile(function* (w) {
    yield* upToTheCut(w);
    // A record header announcing 1,500 captured bytes, and only 700 of them.
    const head = Buffer.alloc(16);
    head.writeUInt32LE(1_700_000_100, 0);
    head.writeUInt32LE(1500, 8);
    head.writeUInt32LE(1500, 12);
    w.bytesRaw(head);
    w.bytesRaw(Buffer.alloc(700, 0x41));
  });
  // read-command.ts: a truncated last record is a warning, not a corrupt file (exit 3).
  await assertSurvived(t, r, { code: 0 });
  assertTruncationLogged(r);
  assertCutSession(r);
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
});

test('a capture truncated inside a record header: exit 0, a warning, sessions flushed as eof', async (t) => {
  const r = await runHostile(function* (w) {
    yield* upToTheCut(w);
    w.bytesRaw(Buffer.from([0x10, 0x27, 0x00, 0x00, 0x01, 0x00, 0x00]));
  });
  await assertSurvived(t, r, { code: 0 });
  assertTruncationLogged(r);
  assertCutSession(r);
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
});

test('a record announcing 4 GiB: exit 3 (corrupt capture), nothing allocated for it, events kept', async (t) => {
  const r = await runHostile(function* (w) {
    yield* upToTheCut(w);
    const head = Buffer.alloc(16);
    head.writeUInt32LE(1_700_000_100, 0);
    head.writeUInt32LE(0xfffffff0, 8);
    head.writeUInt32LE(0xfffffff0, 12);
    w.bytesRaw(head);
    w.bytesRaw(Buffer.alloc(4096, 0x42));
  });
  // SPEC §2: 3 = corrupt capture; every session seen so far is still flushed (read-command.ts).
  await assertSurvived(t, r, { code: 3, allowLevels: ['error'] });
  assert.ok(r.log.some((l) => l.level === 'error'), 'the corruption is logged');
  assertCutSession(r);
  await assertNormalUnchanged(r, [NORMAL_A_PORT, NORMAL_B_PORT]);
});
