// Fix: a MAIL after RCPT/DATA sent without MAIL is the session's first envelope, not a nested MAIL.
// The server refused those commands (503), so it holds no envelope the MAIL could interrupt:
// no smtp_nested_mail, and a refusal of that MAIL does not fold it into the envelope-less
// transaction. Found by the corpus baselines (suricata-verify firewall-133, Zeek
// smtp-mail-transactions-invalid).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';
import type { Step } from '../../helpers/smtp-script.js';

const OPEN: Step[] = [{ s: '220 mx ESMTP\r\n' }, { c: 'EHLO client.example.com\r\n' }, { s: '250 mx\r\n' }];

test('firewall-133: RCPT and DATA before MAIL, then MAIL: two transactions, no nested MAIL', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'RCPT TO:<bob@example.com>\r\n' },
    { s: '503 5.5.1 Error: need MAIL command\r\n' },
    { c: 'DATA\r\n' },
    { s: '503 5.5.1 Error: need RCPT command\r\n' },
    { c: 'MAIL FROM:<alice@example.com>\r\n' },
    { s: '250 2.1.0 Ok\r\n' },
    { c: 'RCPT TO:<bob@example.com>\r\n' },
    { s: '250 2.1.5 Ok\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.mail_from, t.status]), [
    [1, '', 'rejected'],
    [2, 'alice@example.com', 'aborted'],
  ]);
  assert.deepEqual(r.transactions[0]!.anomalies, ['smtp_rcpt_without_mail', 'smtp_data_without_rcpt']);
  assert.deepEqual(r.transactions[1]!.anomalies, []);
  assert.ok(!r.anomalies.some((a) => a.name === 'smtp_nested_mail'));
});

test('a refused MAIL after an envelope-less transaction stays its own transaction', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: 'RCPT TO:<bob@example.com>\r\n' },
    { s: '503 need MAIL\r\n' },
    { c: 'MAIL FROM:<alice@example.com>\r\n' },
    { s: '553 sender domain does not exist\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.mail_from, t.status, t.reply?.code]), [
    [1, '', 'rejected', 503],
    [2, 'alice@example.com', 'rejected', 553],
  ]);
});
