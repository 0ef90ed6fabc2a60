// Issue 15 items 5-8: the server's replies decide what happened to a transaction. Each script runs
// split at every byte offset (assertSplitInvariant).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';
import type { Step } from '../../helpers/smtp-script.js';

const GREETING: Step[] = [{ s: '220 mx\r\n' }, { c: 'EHLO a\r\n' }, { s: '250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n' }];
const names = (r: { anomalies: { name: string }[] }): string[] => r.anomalies.map((a) => a.name);

test('item 5: a refused EHLO inside a transaction does not reset it (RFC 5321 §4.1.4)', () => {
  for (const [cmd, reply] of [['EHLO again', '550 5.7.1 go away'], ['HELO again', '501 5.5.4 bad'], ['EHLO x', '421 4.3.2 busy']]) {
    const r = assertSplitInvariant([
      ...GREETING,
      { c: 'MAIL FROM:<a@example.org>\r\n' }, { s: '250 ok\r\n' },
      { c: 'RCPT TO:<b@example.net>\r\n' }, { s: '250 ok\r\n' },
      { c: `${cmd}\r\n` }, { s: `${reply}\r\n` },
      { c: 'DATA\r\n' }, { s: '354 go\r\n' },
      { c: 'Subject: x\r\n\r\nhi\r\n.\r\n' }, { s: '250 queued\r\n' },
    ], {}, 3);
    assert.equal(r.transactions.length, 1, cmd);
    const t = r.transactions[0]!;
    assert.deepEqual([t.status, t.mail_from, t.rcpt_to, t.reply?.code], ['accepted', 'a@example.org', ['b@example.net'], 250], cmd);
    assert.deepEqual(names(r), [], cmd);
  }
});

test('item 5: an accepted EHLO inside a transaction still resets it; with the reply unseen the EHLO is taken as accepted', () => {
  const steps: Step[] = [
    ...GREETING,
    { c: 'MAIL FROM:<a@example.org>\r\n' }, { s: '250 ok\r\n' },
    { c: 'RCPT TO:<b@example.net>\r\n' }, { s: '250 ok\r\n' },
    { c: 'EHLO again\r\n' }, { s: '250 mx\r\n' },
    { c: 'MAIL FROM:<c@example.org>\r\n' }, { s: '250 ok\r\n' },
  ];
  const r = assertSplitInvariant(steps, {}, 3);
  assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.status]), [['a@example.org', 'aborted'], ['c@example.org', 'aborted']]);
  assert.deepEqual(names(r), []);
  const clientOnly = assertSplitInvariant(steps.filter((s) => 'c' in s), {}, 3);
  assert.deepEqual(clientOnly.transactions.map((t) => t.mail_from), ['a@example.org', 'c@example.org']);
  assert.deepEqual(names(clientOnly), []);
});

test('item 6: a malformed BDAT refused with 501, then pipelined MAIL/RCPT/DATA: one transaction, replies in order', () => {
  for (const bad of ['BDAT x', 'BDAT -1', 'BDAT 5 LAST junk', 'BDAT']) {
    const r = assertSplitInvariant([
      ...GREETING,
      { c: `${bad}\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n` },
      { s: '501 5.5.4 syntax\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n' },
      { c: 'Subject: x\r\n\r\nhi\r\n.\r\n' }, { s: '250 queued\r\n' },
      { c: 'QUIT\r\n' }, { s: '221 bye\r\n' },
    ], {}, 3);
    assert.equal(r.transactions.length, 1, bad);
    const t = r.transactions[0]!;
    assert.deepEqual([t.status, t.mail_from, t.rcpt_to, t.reply?.code], ['accepted', 'a@example.org', ['b@example.net'], 250], bad);
    assert.deepEqual(names(r), ['smtp_bdat_bad_size'], bad);
    assert.deepEqual(r.sessions[0]!.anomalies, ['smtp_bdat_bad_size'], bad);
  }
});

test('item 7: continuation lines that disagree: the final line decides, smtp_reply_code_mismatch', () => {
  const r = assertSplitInvariant([
    ...GREETING,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\n' },
    { s: '250 ok\r\n250-2.1.5 looks fine\r\n550 5.1.1 no such user\r\n250 ok\r\n' },
    { c: 'QUIT\r\n' }, { s: '221 bye\r\n' },
  ], {}, 3);
  const t = r.transactions[0]!;
  assert.deepEqual(t.rcpt_rejected, [{ address: 'b@example.net', code: 550 }]);
  assert.deepEqual(t.rcpt_to, ['c@example.net']);
  assert.deepEqual(names(r), ['smtp_reply_code_mismatch']);
  assert.deepEqual(t.anomalies, ['smtp_reply_code_mismatch']);
});

test('item 8: BDAT n LAST, then the close before all octets: incomplete, missing bytes counted, no smtp_bdat_missing_last', () => {
  const r = assertSplitInvariant([
    ...GREETING,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 100 LAST\r\nSubject: x\r\n\r\nonly part' },
    { s: '250 ok\r\n250 ok\r\n' },
  ], {}, 3);
  const t = r.transactions[0]!;
  const sent = 'Subject: x\r\n\r\nonly part'.length;
  assert.deepEqual([t.status, t.bdat, t.data_bytes, t.gap_bytes], ['incomplete', true, 100, 100 - sent]);
  assert.deepEqual(names(r), []);
  assert.deepEqual(r.messages[0]!.gaps, [100 - sent]);
  // A chunk without LAST cut by the close: LAST is missing, and so are the chunk's bytes.
  const notLast = assertSplitInvariant([
    ...GREETING,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 50\r\n0123456789' },
    { s: '250 ok\r\n250 ok\r\n' },
  ], {}, 3);
  assert.deepEqual([notLast.transactions[0]!.status, notLast.transactions[0]!.gap_bytes], ['incomplete', 40]);
  assert.deepEqual(names(notLast), ['smtp_bdat_missing_last']);
});
