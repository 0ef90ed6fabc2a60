import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';
import type { Step } from '../../helpers/smtp-script.js';
import { SEED_SESSION_TRANSACTION, seedSessionFactsOf } from '../../helpers/seed-facts.js';

// The seed session (test/fixtures/seed/README.md), byte for byte as session.pcap carries it.
const SEED_SESSION: Step[] = [
  { s: '220 163.com Anti-spam GT for Coremail System\r\n' },
  { c: 'HELO SMTP.163.com\r\n' },
  { s: '250-mail\r\n250-AUTH LOGIN PLAIN\r\n250-AUTH=LOGIN PLAIN\r\n250 8BITMIME\r\n' },
  { c: 'AUTH LOGIN\r\n' },
  { s: '334 dxNlcm5hbWU6\r\n' },
  { c: 'Y29zdGFAYW1heGl0Lm5ldA==\r\n' },
  { s: '334 UGFzc3dvcmQ6\r\n' },
  { c: 'MTk4MjIxNA==\r\n' },
  { s: '235 auth successfully\r\n' },
  { c: 'MAIL FROM: bripengandre@163.com\r\n' },
  { s: '250 Mail OK\r\n' },
  { c: 'RCPT TO: bripengandre@smail.hust.edu.cn\r\n' },
  { s: '250 Mail OK\r\n' },
  { c: 'DATA\r\n' },
  { s: '354 Enter mail, end with "." on a line by itself\r\n' },
  { c: 'Enjoy Protocol Studing\r\n' },
  { c: '.\r\n' },
  { s: '250 Message sent\r\n' },
  { c: 'QUIT\r\n' },
  { s: '221 Bye\r\n' },
];

test('seed session: the facts the README lists, whatever the segmenting', () => {
  const r = assertSplitInvariant(SEED_SESSION);
  assert.equal(r.transactions.length, 1);
  const t = r.transactions[0]!;
  assert.deepEqual(seedSessionFactsOf(t), SEED_SESSION_TRANSACTION);
  assert.equal(r.messages[0]!.bytes, 'Enjoy Protocol Studing\r\n');
  assert.deepEqual(t.message?.signals, ['auth_cleartext']);
  const s = r.sessions[0]!;
  assert.equal(s.banner, '163.com Anti-spam GT for Coremail System');
  assert.deepEqual(s.ehlo_keywords, ['AUTH', 'AUTH=LOGIN', '8BITMIME']);
  assert.equal(s.transactions, 1);
  assert.equal(s.commands, 6);
  assert.equal(s.starttls, undefined);
  assert.deepEqual(r.commands, ['HELO', 'AUTH', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
  assert.deepEqual(r.auths, [['LOGIN', 'success', true]]);
  assert.deepEqual(r.anomalies, []);
  // The password is decoded only to be dropped.
  assert.ok(!JSON.stringify(r).includes('1982214'));
});

test('seed session with log_passwords: the password is reported', () => {
  const r = assertSplitInvariant(SEED_SESSION, { logPasswords: true });
  assert.equal(r.transactions[0]!.auth?.password, '1982214');
  assert.equal(r.sessions[0]!.auth?.password, '1982214');
});

test('pipelined envelope: per-recipient codes, params, last reply, multi-line text', () => {
  const r = assertSplitInvariant([
    { s: '220 mx.example.net ESMTP\r\n' },
    { c: 'EHLO client.example.org\r\n' },
    { s: '250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n250-starttls\r\n250 8BITMIME\r\n' },
    { c: 'MAIL FROM:<alice@example.org> SIZE=1234 BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<bob@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.net\r\nRCPT TO:<nobody@example.net>\r\nRCPT TO:<carol@example.net>\r\nDATA\r\n' },
    { s: '250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 No such user\r\n250 2.1.5 Ok\r\n354 go ahead\r\n' },
    { c: 'Subject: hi\r\n\r\nbody\r\n.\r\n' },
    { s: '250-2.0.0 Ok: queued\r\n250 2.0.0 as 12345\r\n' },
    { c: 'QUIT\r\n' },
    { s: '221 bye\r\n' },
  ]);
  const t = r.transactions[0]!;
  assert.equal(t.mail_from, 'alice@example.org');
  assert.deepEqual(t.mail_params, { SIZE: '1234', BODY: '8BITMIME', SMTPUTF8: true });
  assert.deepEqual(t.rcpt_to, ['bob@example.net', 'carol@example.net']);
  assert.deepEqual(t.rcpt_rejected, [{ address: 'nobody@example.net', code: 550 }]);
  assert.deepEqual(t.rcpt_params, { 'bob@example.net': { NOTIFY: 'SUCCESS,FAILURE', ORCPT: 'rfc822;bob@example.net' } });
  assert.equal(t.status, 'accepted');
  assert.deepEqual(t.reply, { code: 250, text: '2.0.0 Ok: queued\n2.0.0 as 12345' });
  assert.equal(t.helo, 'client.example.org');
  assert.equal(t.data_bytes, 'Subject: hi\r\n\r\nbody\r\n'.length);
  const s = r.sessions[0]!;
  assert.deepEqual(s.ehlo_keywords, ['PIPELINING', 'SIZE', 'STARTTLS', '8BITMIME']);
  assert.equal(s.starttls, 'offered');
  assert.deepEqual(r.anomalies, []);
});

test('several transactions: trans_depth, RSET, QUIT and a new MAIL end them', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250 mx\r\n' },
    { c: 'MAIL FROM:<>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'RCPT TO:<postmaster@example.net>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'RSET\r\n' },
    { s: '250 reset\r\n' },
    { c: 'MAIL FROM:<"john doe"@example.org>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'MAIL FROM:<x@example.org>\r\n' },
    { s: '503 nested MAIL\r\n' },
    { c: 'HELO again\r\n' },
    { s: '250 mx\r\n' },
    { c: 'MAIL FROM:<d@example.org>\r\nRCPT TO:<e@example.net>\r\nQUIT\r\n' },
    { s: '250 ok\r\n250 ok\r\n221 bye\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.mail_from, t.status, t.helo]), [
    [1, '', 'aborted', 'a'],
    // The nested MAIL refused with 503: the server kept the earlier envelope, which HELO then ends.
    [2, '"john doe"@example.org', 'aborted', 'a'],
    [3, 'd@example.org', 'aborted', 'again'],
  ]);
  assert.deepEqual(r.transactions[0]!.rcpt_to, ['postmaster@example.net']);
  assert.deepEqual(r.transactions[1]!.reply, { code: 503, text: 'nested MAIL' });
  assert.ok(r.transactions[1]!.anomalies.includes('smtp_nested_mail'));
  assert.equal(r.sessions[0]!.transactions, 3);
  assert.equal(r.sessions[0]!.helo, 'again');
});

test('status: rejected MAIL, every RCPT refused, refused DATA; close before data is aborted', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'HELO a\r\n' },
    { s: '250 mx\r\n' },
    { c: 'MAIL FROM:<spam@example.org>\r\n' },
    { s: '550 go away\r\n' },
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<x@example.net>\r\nRCPT TO:<y@example.net>\r\n' },
    { s: '250 ok\r\n550 no\r\n451 later\r\n' },
    { c: 'DATA\r\n' },
    { s: '554 no valid recipients\r\n' },
    { c: 'RSET\r\n' },
    { s: '250 ok\r\n' },
    { c: 'MAIL FROM:<b@example.org>\r\nRCPT TO:<z@example.net>\r\nDATA\r\n' },
    { s: '250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: 'partial message\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => t.status), ['rejected', 'rejected', 'aborted']);
  assert.deepEqual(r.transactions[1]!.rcpt_rejected, [
    { address: 'x@example.net', code: 550 },
    { address: 'y@example.net', code: 451 },
  ]);
  assert.deepEqual(r.transactions[1]!.rcpt_to, []);
  assert.ok(r.transactions[1]!.anomalies.includes('smtp_data_without_rcpt'));
  // After the refused DATA the server reads commands: RSET was one.
  assert.equal(r.transactions[2]!.data_bytes, 'partial message\r\n'.length);
  assert.equal(r.messages.length, 1);
  assert.equal(r.messages[0]!.ended, 1);
});

test('replies: a code changing inside a multi-line reply, codes outside the usual set, junk lines', () => {
  const r = assertSplitInvariant([
    { s: '220-first\r\n220 second\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250-mx\r\n251-odd\r\nthis is junk\r\n250 SIZE\r\n' },
    { c: 'NOOP\r\n' },
    { s: '299 fine\r\n' },
    { c: 'VRFY x\r\nXYZZY\r\n' },
    { s: '252 maybe\r\n500 what\r\n' },
  ]);
  const s = r.sessions[0]!;
  assert.equal(s.banner, 'first\nsecond');
  assert.deepEqual(s.ehlo_keywords, ['ODD', 'SIZE']);
  assert.deepEqual(r.replies, [220, 250, 299, 252, 500]);
  assert.deepEqual(r.commands, ['EHLO', 'NOOP', 'VRFY', 'other']);
  assert.deepEqual(s.anomalies, ['smtp_invalid_reply', 'smtp_unknown_command']);
});

test('commands in any letter case, paths with spaces and without brackets, UTF-8 addresses', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'ehlo a\r\n' },
    { s: '250 mx\r\n' },
    { c: 'mail from: <Ünïcode@exämple.org> smtputf8\r\n' },
    { s: '250 ok\r\n' },
    { c: 'Rcpt To: user@example.net\r\n' },
    { s: '250 ok\r\n' },
    { c: 'rcpt to:<@relay.example:route@example.net>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'quit\r\n' },
    { s: '221 bye\r\n' },
  ].map((s) => ('c' in s ? { c: Buffer.from(s.c as string, 'utf8') } : s)));
  const t = r.transactions[0]!;
  assert.equal(t.mail_from, 'Ünïcode@exämple.org');
  assert.deepEqual(t.mail_params, { SMTPUTF8: true });
  assert.deepEqual(t.rcpt_to, ['user@example.net', 'route@example.net']);
  assert.deepEqual(r.commands, ['EHLO', 'MAIL', 'RCPT', 'RCPT', 'QUIT']);
});

test('RCPT with no MAIL opens an implicit transaction with an empty sender', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'HELO a\r\nRCPT TO:<x@example.net>\r\n' },
    { s: '250 mx\r\n503 need MAIL\r\n' },
  ]);
  assert.equal(r.transactions.length, 1);
  assert.equal(r.transactions[0]!.mail_from, '');
  assert.equal(r.transactions[0]!.status, 'rejected');
  assert.ok(r.transactions[0]!.anomalies.includes('smtp_rcpt_without_mail'));
});

test('the message parser gets the sender and client address; its anomalies join the transaction', () => {
  const r = assertSplitInvariant(
    [
      { s: '220 mx\r\n' },
      { c: 'HELO a\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' },
      { s: '250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
      { c: 'x\r\n.\r\n' },
      { s: '250 ok\r\n' },
    ],
    { parserAnomalies: ['mime_boundary_missing'] },
  );
  assert.equal(r.messages[0]!.mailFrom, 'a@example.org');
  assert.equal(r.messages[0]!.srcIp, '192.0.2.10');
  assert.equal(r.messages[0]!.dstIp, '198.51.100.25', 'the server, first in path');
  assert.deepEqual(r.transactions[0]!.anomalies, ['mime_boundary_missing']);
  assert.equal(r.transactions[0]!.message?.signals, undefined, 'no AUTH, no auth_cleartext signal');
});
