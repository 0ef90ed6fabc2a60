// Gaps, one-sided captures, midstream pickups, recognition and the configured limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';
import type { Step } from '../../helpers/smtp-script.js';

const OPEN: Step[] = [{ s: '220 mx\r\n' }, { c: 'EHLO a\r\n' }, { s: '250 mx\r\n' }];
const TX = (n: number): string => `MAIL FROM:<s${n}@example.org>\r\nRCPT TO:<r${n}@example.net>\r\nDATA\r\n`;
const OK3 = '250 ok\r\n250 ok\r\n354 go\r\n';

test('a gap inside DATA ends that message as incomplete; the next transaction is parsed normally', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: TX(1) },
    { s: OK3 },
    { c: 'first part\r\n' },
    { gap: 'c2s', len: 100 },
    { c: 'after the gap\r\n.\r\n' },
    { s: '250 ok\r\n' },
    { c: TX(2) },
    { s: OK3 },
    { c: 'second\r\n.\r\n' },
    { s: '250 ok\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.status, t.gap_bytes]), [['incomplete', 100], ['accepted', 0]]);
  assert.deepEqual(r.messages[0]!.gaps, [100]);
  assert.equal(r.messages[0]!.bytes, 'first part\r\nafter the gap\r\n');
  assert.equal(r.messages[1]!.bytes, 'second\r\n');
  assert.equal(r.sessions[0]!.gap_bytes, 100);
});

test('a gap that swallows the end of data: the server reply resynchronises', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: TX(1) },
    { s: OK3 },
    { c: 'first part\r\n' },
    { gap: 'c2s', len: 40 },
    { s: '250 queued\r\n' },
    { c: TX(2) },
    { s: OK3 },
    { c: 'second\r\n.\r\n' },
    { s: '250 ok\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.status]), [['s1@example.org', 'incomplete'], ['s2@example.org', 'accepted']]);
  assert.deepEqual(r.transactions[0]!.reply, { code: 250, text: 'queued' });
});

test('a gap in the command stream: recovery until a recognisable command', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'MAIL FROM:<s1@example.org>\r\nRCPT TO:<r1@exa' },
    { gap: 'c2s', len: 20 },
    { c: 'mple.net>\r\ngarbage line\r\nRSET\r\n' },
    { s: '250 ok\r\n250 ok\r\n250 ok\r\n' },
    { c: TX(2) },
    { s: OK3 },
    { c: 'x\r\n.\r\n' },
    { s: '250 ok\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.status]), [['s1@example.org', 'incomplete'], ['s2@example.org', 'accepted']]);
  assert.deepEqual(r.sessions[0]!.anomalies, []);
  assert.ok(r.transactions[0]!.anomalies.includes('smtp_gap_recovery'));
});

test('a gap in the server stream: replies are resynchronised at the next command', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'MAIL FROM:<s1@example.org>\r\nRCPT TO:<r1@example.net>\r\n' },
    { s: '250 ok\r\n' },
    { gap: 's2c', len: 10 },
    { s: 'ok\r\n' },
    { c: 'RSET\r\n' },
    { s: '250 reset\r\n' },
    { c: TX(2) },
    { s: OK3 },
    { c: 'x\r\n.\r\n' },
    { s: '250 ok\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => t.status), ['incomplete', 'accepted']);
  assert.ok(!r.anomalies.some((a) => a.name === 'smtp_unmatched_reply'));
});

test('client-only capture (Zeek smtp-one-side-only): every transaction from the commands, status unknown', () => {
  const r = assertSplitInvariant([
    { c: 'EHLO enzo.icir.org\r\n' },
    { c: 'MAIL FROM:<robin@icir.org>\r\nRCPT TO:<robin@icir.org>\r\nRCPT TO:<x@icir.org>\r\nDATA\r\n' },
    { c: 'Subject: Hello1!\r\n\r\nHello\r\n.\r\n' },
    { c: 'MAIL FROM:<robin@icir.org>\r\nRCPT TO:<rsommer@lbl.gov>\r\nDATA\r\nSubject: Hello2!\r\n\r\n.\r\nQUIT\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.status, t.rcpt_to]), [
    [1, 'unknown', ['robin@icir.org', 'x@icir.org']],
    [2, 'unknown', ['rsommer@lbl.gov']],
  ]);
  assert.equal(r.transactions[0]!.reply, undefined);
  assert.equal(r.sessions[0]!.one_sided, 'client_only');
  assert.deepEqual(r.anomalies, []);
});

test('server-only capture: the session reports what the replies show', () => {
  const r = assertSplitInvariant([
    { s: '220 mx.example.net ESMTP\r\n' },
    { s: '250-mx.example.net\r\n250-PIPELINING\r\n250 STARTTLS\r\n' },
    { s: '250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n' },
  ]);
  const s = r.sessions[0]!;
  assert.equal(s.banner, 'mx.example.net ESMTP');
  assert.deepEqual(s.ehlo_keywords, ['PIPELINING', 'STARTTLS']);
  assert.equal(s.starttls, 'offered');
  assert.equal(s.one_sided, 'server_only');
  assert.deepEqual(r.anomalies, []);
  // Issue 13: 354 and the reply to the end of data show one message (empty envelope).
  assert.deepEqual(r.transactions.map((t) => [t.status, t.mail_from, t.reply]), [['accepted', '', { code: 250, text: 'queued' }]]);
});

test('midstream pickup on an SMTP port: lines are skipped until a known command, the first reply is no greeting', () => {
  const r = assertSplitInvariant([
    { c: 'of a message body\r\n.\r\n' },
    { s: 'tail of a reply\r\n250 queued\r\n' },
    { c: TX(1) },
    { s: OK3 },
    { c: 'x\r\n.\r\n' },
    { s: '250 ok\r\n' },
  ], { midstream: true });
  assert.equal(r.sessions[0]!.banner, undefined);
  // Issue 13: the tail of the message the capture began in is reported, incomplete, envelope empty.
  assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.status]), [['', 'incomplete'], ['s1@example.org', 'accepted']]);
  assert.equal(r.sessions[0]!.midstream, true);
  assert.deepEqual(r.anomalies, [], 'the reply to the data sent before the capture is expected');
});

test('recognition: TLS, HTTP and random bytes are left alone and counted once', () => {
  const tlsHello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
  const scripts: [Step[], number][] = [
    // A ClientHello first on 25 or 465 is implicit TLS since issue 16 (session-tls.test.ts); off
    // the SMTP ports it stays not SMTP, and so does other TLS on an SMTP port.
    [[{ c: tlsHello }, { s: Buffer.from([0x16, 0x03, 0x03, 0x00, 0x31]) }], 443],
    [[{ c: Buffer.from([0x17, 0x03, 0x03, 0x00, 0x10, 0xee]) }], 25],
    [[{ c: 'GET / HTTP/1.1\r\nHost: x\r\n\r\n' }, { s: 'HTTP/1.1 200 OK\r\n' }], 25],
    [[{ s: Buffer.from([0x00, 0x01, 0x02, 0xff, 0x10, 0x0d, 0x0a]) }], 25],
    [[{ s: '220 mx\r\n' }, { c: 'GET / HTTP/1.0\r\n' }], 8080],
    [[{ s: '220 mx\r\n' }], 8080],
    [[{ s: 'SSH-2.0-OpenSSH_9.6\r\n' }, { c: 'SSH-2.0-x\r\n' }], 22],
  ];
  for (const [steps, port] of scripts) {
    const r = assertSplitInvariant(steps, { serverPort: port }, 3);
    assert.equal(r.notSmtp, 1);
    assert.deepEqual(r.anomalies.map((a) => a.name), ['smtp_not_smtp']);
    assert.equal(r.sessions.length, 0);
    assert.deepEqual(r.commands, []);
  }
});

test('recognition: both greeting and EHLO on another port; either alone on an SMTP port', () => {
  const both = assertSplitInvariant([{ s: '220 mx\r\n' }, { c: 'EHLO a\r\n' }, { s: '250 mx\r\n' }, { c: TX(1) }], { serverPort: 8025 });
  assert.equal(both.notSmtp, 0);
  assert.equal(both.sessions[0]!.helo, 'a');
  assert.equal(both.transactions.length, 1);
  const greetingOnly = assertSplitInvariant([{ s: '220 mx\r\n' }], { serverPort: 587 });
  assert.equal(greetingOnly.sessions[0]!.banner, 'mx');
  const ehloOnly = assertSplitInvariant([{ c: 'EHLO a\r\n' }], { serverPort: 2525 });
  assert.equal(ehloOnly.sessions[0]!.helo, 'a');
  const nothing = assertSplitInvariant([], { serverPort: 25 });
  assert.equal(nothing.notSmtp, 1);
});

test('limit: line length, at the limit and one past it', () => {
  const limit = 64;
  const at = `HELO ${'x'.repeat(limit - 5)}`;
  const over = `HELO ${'y'.repeat(limit - 4)}`;
  const r1 = assertSplitInvariant([{ c: `${at}\r\n` }], { limits: { line_length: limit } }, 3);
  assert.equal(r1.sessions[0]!.helo!.length, limit - 5);
  assert.deepEqual(r1.anomalies, []);
  const r2 = assertSplitInvariant([{ c: `${over}\r\nQUIT\r\n` }], { limits: { line_length: limit } }, 3);
  assert.equal(r2.sessions[0]!.helo, over.slice(5, limit));
  assert.deepEqual(r2.anomalies.map((a) => a.name), ['smtp_line_too_long']);
  assert.deepEqual(r2.commands, ['HELO', 'QUIT']);
});

test('limit: pending commands, at the limit and one past it', () => {
  const cmds = (n: number): string => 'NOOP\r\n'.repeat(n);
  const atLimit = assertSplitInvariant([...OPEN, { c: cmds(5) }], { limits: { pending_commands: 5 } });
  assert.deepEqual(atLimit.anomalies, []);
  const over = assertSplitInvariant([...OPEN, { c: cmds(6) }, { s: '250 ok\r\n' }], { limits: { pending_commands: 5 } });
  assert.deepEqual(over.anomalies.map((a) => a.name), ['smtp_excessive_pending_cmds']);
  assert.deepEqual(over.sessions[0]!.anomalies, ['smtp_excessive_pending_cmds']);
});

test('limit: recipients, at the limit and one past it', () => {
  const rcpts = (n: number): string => Array.from({ length: n }, (_, i) => `RCPT TO:<r${i}@example.net>\r\n`).join('');
  const at = assertSplitInvariant([...OPEN, { c: `MAIL FROM:<a@example.org>\r\n${rcpts(3)}` }], { limits: { recipients: 3 } });
  assert.equal(at.transactions[0]!.rcpt_to.length, 3);
  assert.equal(at.transactions[0]!.rcpt_dropped, undefined);
  const over = assertSplitInvariant([...OPEN, { c: `MAIL FROM:<a@example.org>\r\n${rcpts(5)}` }], { limits: { recipients: 3 } });
  assert.deepEqual(over.transactions[0]!.rcpt_to, ['r0@example.net', 'r1@example.net', 'r2@example.net']);
  assert.equal(over.transactions[0]!.rcpt_dropped, 2);
  assert.deepEqual(over.anomalies.map((a) => a.name), ['smtp_recipients_exceeded']);
});

test('limit: transactions per connection, at the limit and one past it', () => {
  const txs = (n: number): string => Array.from({ length: n }, (_, i) => `MAIL FROM:<s${i}@example.org>\r\nRSET\r\n`).join('');
  const at = assertSplitInvariant([...OPEN, { c: txs(2) }], { limits: { transactions: 2 } });
  assert.equal(at.transactions.length, 2);
  assert.deepEqual(at.anomalies, []);
  const over = assertSplitInvariant([...OPEN, { c: txs(4) }], { limits: { transactions: 2 } });
  assert.equal(over.transactions.length, 2);
  assert.equal(over.sessions[0]!.transactions, 4);
  assert.deepEqual(over.anomalies.map((a) => a.name), ['smtp_transactions_exceeded']);
  assert.deepEqual(over.sessions[0]!.anomalies, ['smtp_transactions_exceeded']);
});

test('unmatched replies are flagged once the client has spoken', () => {
  const r = assertSplitInvariant([...OPEN, { s: '250 surprise\r\n' }]);
  assert.deepEqual(r.anomalies.map((a) => [a.name, a.detail]), [['smtp_unmatched_reply', '250']]);
});

test('a gap inside a BDAT chunk: the chunk ends in it, the rest of the gap hits the commands', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'MAIL FROM:<s1@example.org>\r\nRCPT TO:<r1@example.net>\r\nBDAT 10\r\nabc' },
    { gap: 'c2s', len: 12 },
    { c: 'BDAT 2 LAST\r\nxy' },
    { s: '250 ok\r\n250 ok\r\n250 10 octets\r\n250 done\r\n' },
    { c: 'MAIL FROM:<s2@example.org>\r\nRCPT TO:<r2@example.net>\r\nBDAT 1 LAST\r\nz' },
    { s: '250 ok\r\n250 ok\r\n250 done\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.status, t.gap_bytes, t.data_bytes]), [['incomplete', 12, 12], ['accepted', 0, 1]]);
  assert.deepEqual(r.messages.map((m) => [m.bytes, m.gaps]), [['abcxy', [7]], ['z', []]]);
});

test('EHLO keywords kept share the line-length budget, however many EHLOs', () => {
  const steps: Step[] = [{ s: '220 mx\r\n' }];
  for (let i = 0; i < 20; i++) {
    steps.push({ c: 'EHLO a\r\n' }, { s: `250-mx\r\n250-KEYWORD${i}A\r\n250 KEYWORD${i}B\r\n` });
  }
  const r = assertSplitInvariant(steps, { limits: { line_length: 64 } }, 2);
  const kws = r.sessions[0]!.ehlo_keywords!;
  assert.deepEqual(kws.slice(0, 3), ['KEYWORD0A', 'KEYWORD0B', 'KEYWORD1A']);
  assert.ok(kws.join(' ').length <= 64);
  assert.equal(kws.length, 6);
});
