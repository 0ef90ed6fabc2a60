// Issue 13 item 10 (session side): a feed that carries only the server's side. The replies alone
// show each message: 354 (go ahead), then the final reply to the end of data with its queue id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';

test('server replies only: one transaction per 354 + final reply, status and queue id from the reply', () => {
  const r = assertSplitInvariant([
    { s: '220 mx.example ESMTP\r\n' },
    { s: '250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n' },
    { s: '250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n' },
    { s: '250 2.0.0 Ok: queued as 4AbCd1\r\n' },
    { s: '250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n' },
    { s: '554 5.7.1 rejected: spam\r\n' },
    { s: '250 2.1.0 ok\r\n550 5.1.1 no such user\r\n' },
    { s: '221 bye\r\n' },
  ]);
  assert.equal(r.transactions.length, 2);
  const [a, b] = r.transactions;
  assert.equal(a!.status, 'accepted');
  assert.deepEqual(a!.reply, { code: 250, text: '2.0.0 Ok: queued as 4AbCd1' });
  assert.equal(a!.mail_from, '');
  assert.deepEqual(a!.rcpt_to, []);
  assert.equal(a!.trans_depth, 1);
  assert.equal(b!.status, 'rejected');
  assert.equal(b!.reply?.code, 554);
  assert.equal(b!.trans_depth, 2);
  const s = r.sessions[0]!;
  assert.equal(s.transactions, 2);
  assert.equal(s.banner, 'mx.example ESMTP');
  assert.deepEqual(s.ehlo_keywords, ['PIPELINING', '8BITMIME']);
  assert.equal(s.one_sided, 'server_only');
  assert.deepEqual(r.anomalies, []);
});

test('server replies only: a 354 whose final reply never came is reported with status unknown', () => {
  const r = assertSplitInvariant([{ s: '220 mx\r\n' }, { s: '354 go ahead\r\n' }]);
  assert.equal(r.transactions.length, 1);
  assert.equal(r.transactions[0]!.status, 'unknown');
});
