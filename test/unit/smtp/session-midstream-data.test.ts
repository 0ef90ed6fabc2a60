// Issue 13 item 11: a capture that starts in the middle of DATA (or of an attachment). The partly
// seen message is reported: one `incomplete` transaction with an empty envelope, its data_bytes,
// the server's reply to its end, and what the message parser found in the part that was seen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';

const BODY_TAIL = 'AAAAAAAA\r\nBBBB==\r\n\r\n--b1--\r\n';

test('pickup inside DATA: the partly seen message is one incomplete transaction, envelope empty', () => {
  const r = assertSplitInvariant([
    { c: `Gx5\r\n${BODY_TAIL}.\r\n` },
    { s: '250 2.0.0 Ok: queued as 9QX\r\n' },
    { c: 'QUIT\r\n' },
    { s: '221 bye\r\n' },
  ], { midstream: true });
  assert.equal(r.transactions.length, 1);
  const t = r.transactions[0]!;
  assert.equal(t.status, 'incomplete');
  assert.equal(t.mail_from, '');
  assert.deepEqual(t.rcpt_to, []);
  assert.deepEqual(t.reply, { code: 250, text: '2.0.0 Ok: queued as 9QX' });
  assert.equal(t.trans_depth, 1);
  assert.equal(t.data_bytes, `Gx5\r\n${BODY_TAIL}`.length);
  assert.ok(t.message !== undefined, 'what the parser found is reported');
  assert.equal(r.messages.length, 1);
  assert.equal(r.messages[0]!.bytes, `Gx5\r\n${BODY_TAIL}`);
  assert.equal(r.messages[0]!.ended, 1);
  const s = r.sessions[0]!;
  assert.equal(s.midstream, true);
  assert.equal(s.transactions, 1);
  assert.deepEqual(r.anomalies, []);
});

test('pickup inside DATA, then a full transaction: both reported, in order', () => {
  const r = assertSplitInvariant([
    { c: 'tail\r\n.\r\n' },
    { s: '250 ok\r\n' },
    { c: 'MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n' },
    { s: '250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: 'Subject: s\r\n\r\nx\r\n.\r\n' },
    { s: '250 ok\r\n' },
  ], { midstream: true });
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.mail_from, t.status]), [[1, '', 'incomplete'], [2, 'a@x', 'accepted']]);
  assert.equal(r.messages.length, 2);
});

test('pickup between commands: no invented transaction, the parser made for the guess is ended', () => {
  const r = assertSplitInvariant([
    { c: 'LO a\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n' },
    { s: '250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: 'Subject: s\r\n\r\nx\r\n.\r\n' },
    { s: '250 ok\r\n' },
  ], { midstream: true });
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.mail_from, t.status]), [[1, 'a@x', 'accepted']]);
  for (const m of r.messages) assert.equal(m.ended, 1);
});

test('not midstream: bytes before the first command are never taken for a message', () => {
  const r = assertSplitInvariant([{ s: '220 mx\r\n' }, { c: 'junk\r\n.\r\n' }, { s: '500 what\r\n' }]);
  assert.equal(r.transactions.length, 0);
});
