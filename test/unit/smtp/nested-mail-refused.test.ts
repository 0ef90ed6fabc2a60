// Fix: a nested MAIL the server refuses leaves the open envelope in place (RFC 5321 §4.1.4: a
// refused command changes no state). Found by the corpus baselines: suricata-verify
// firewall-132-smtp-nested-mail-from delivered alice's message after "503 nested MAIL command",
// and mailtap reported it as a second transaction from the refused sender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';
import type { Step } from '../../helpers/smtp-script.js';

const OPEN: Step[] = [{ s: '220 mail.example.com ESMTP Postfix\r\n' }, { c: 'helo client.example.com\r\n' }, { s: '250 mail.example.com\r\n' }];

test('firewall-132: MAIL, nested MAIL refused with 503, RCPT, DATA: one transaction from the first sender', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'mail from:<alice@example.com>\r\n' },
    { s: '250 2.1.0 Ok\r\n' },
    { c: 'mail from:<bob@example.com>\r\n' },
    { s: '503 5.5.1 Error: nested MAIL command\r\n' },
    { c: 'rcpt to:<bob@example.com>\r\n' },
    { s: '250 2.1.5 Ok\r\n' },
    { c: 'data\r\n' },
    { s: '354 End data with <CR><LF>.<CR><LF>\r\n' },
    { c: 'Subject: nested mail\r\n\r\nhi\r\n.\r\n' },
    { s: '250 2.0.0 Ok: queued as 4CDEB4BA92F9\r\n' },
    { c: 'QUIT\r\n' },
    { s: '221 2.0.0 Bye\r\n' },
  ]);
  assert.equal(r.transactions.length, 1);
  const t = r.transactions[0]!;
  assert.deepEqual([t.trans_depth, t.mail_from, t.rcpt_to, t.status], [1, 'alice@example.com', ['bob@example.com'], 'accepted']);
  assert.deepEqual(t.reply, { code: 250, text: '2.0.0 Ok: queued as 4CDEB4BA92F9' });
  assert.deepEqual(t.anomalies, ['smtp_nested_mail']);
  assert.equal(r.messages.length, 1);
  assert.equal(r.messages[0]!.mailFrom, 'alice@example.com');
  assert.equal(r.sessions[0]!.transactions, 1);
});

test('pipelined: the nested MAIL refused after RCPT and DATA were sent: they belong to the first envelope', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<x@example.net>\r\nMAIL FROM:<b@example.org>\r\nRCPT TO:<y@example.net>\r\nDATA\r\n' },
    { s: '250 ok\r\n250 ok\r\n503 nested\r\n550 no such user\r\n354 go\r\n' },
    { c: 'Subject: s\r\n\r\nbody\r\n.\r\n' },
    { s: '250 queued\r\n' },
  ]);
  assert.equal(r.transactions.length, 1);
  const t = r.transactions[0]!;
  assert.equal(t.mail_from, 'a@example.org');
  assert.deepEqual(t.rcpt_to, ['x@example.net']);
  // The refused recipient's reply found its entry in the merged list.
  assert.deepEqual(t.rcpt_rejected, [{ address: 'y@example.net', code: 550 }]);
  assert.equal(t.status, 'accepted');
  assert.equal(t.data_bytes, 'Subject: s\r\n\r\nbody\r\n'.length);
});

test('a nested MAIL the server accepts (an implicit reset): two transactions, as before', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'MAIL FROM:<a@example.org>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'MAIL FROM:<b@example.org>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'RCPT TO:<y@example.net>\r\n' },
    { s: '250 ok\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.mail_from, t.status]), [
    [1, 'a@example.org', 'aborted'],
    [2, 'b@example.org', 'aborted'],
  ]);
  assert.deepEqual(r.transactions[1]!.rcpt_to, ['y@example.net']);
});

test('the nested MAIL awaits its reply: the first transaction is not written before it, nor lost when it never comes', () => {
  // No reply at all to the nested MAIL (one-sided end of capture): both are still written, in order.
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'MAIL FROM:<a@example.org>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'MAIL FROM:<b@example.org>\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.mail_from]), [
    [1, 'a@example.org'],
    [2, 'b@example.org'],
  ]);
});

test('limit: recipients across the merge (pipelined past the nested MAIL), at the limit and one past it', () => {
  const steps = (afterNested: number): Step[] => [
    ...OPEN,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<r0@example.net>\r\n' },
    { s: '250 ok\r\n250 ok\r\n' },
    { c: `MAIL FROM:<b@example.org>\r\n${Array.from({ length: afterNested }, (_v, i) => `RCPT TO:<n${i}@example.net>\r\n`).join('')}` },
    { s: `503 nested\r\n${'250 ok\r\n'.repeat(afterNested)}` },
  ];
  const at = assertSplitInvariant(steps(1), { limits: { recipients: 2 } });
  assert.deepEqual(at.transactions[0]!.rcpt_to, ['r0@example.net', 'n0@example.net']);
  assert.equal(at.transactions[0]!.rcpt_dropped, undefined);
  const over = assertSplitInvariant(steps(2), { limits: { recipients: 2 } });
  assert.equal(over.transactions.length, 1);
  assert.deepEqual(over.transactions[0]!.rcpt_to, ['r0@example.net', 'n0@example.net']);
  assert.equal(over.transactions[0]!.rcpt_dropped, 1);
});

test('a refused DATA before the refused nested MAIL still counts when nothing follows it', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'MAIL FROM:<a@example.org>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'DATA\r\n' },
    { s: '503 valid RCPT command must precede DATA\r\n' },
    { c: 'MAIL FROM:<a@example.org>\r\n' },
    { s: '503 sender already given\r\n' },
    { c: 'QUIT\r\n' },
    { s: '221 bye\r\n' },
  ]);
  assert.equal(r.transactions.length, 1);
  assert.equal(r.transactions[0]!.status, 'rejected');
  assert.deepEqual(r.transactions[0]!.reply, { code: 503, text: 'sender already given' });
});
