// DATA and BDAT through the whole session: message bytes exactly as the parser receives them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';

const ENVELOPE = 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n';

test('DATA: dot-unstuffing, the data pipelined straight after DATA, and the next commands in the same segment', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250-mx\r\n250 PIPELINING\r\n' },
    // The client does not wait for 354 (an early talker): its bytes are still the message.
    { c: `${ENVELOPE}DATA\r\n..leading dot\r\n.\r\nMAIL FROM:<c@example.org>\r\nRCPT TO:<d@example.net>\r\nDATA\r\n` },
    { s: '250 ok\r\n250 ok\r\n354 go\r\n250 queued 1\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: '.\r\n' },
    { s: '250 queued 2\r\n' },
  ]);
  assert.equal(r.messages[0]!.bytes, '.leading dot\r\n');
  assert.equal(r.transactions.length, 2);
  assert.equal(r.transactions[0]!.data_bytes, 14);
  assert.deepEqual(r.transactions[0]!.reply, { code: 250, text: 'queued 1' });
  assert.deepEqual(r.transactions.map((t) => t.status), ['accepted', 'accepted']);
  assert.equal(r.transactions[1]!.mail_from, 'c@example.org');
  assert.equal(r.transactions[1]!.data_bytes, 0);
  assert.equal(r.transactions[1]!.message, undefined, 'an empty message: no data seen');
});

test('DATA: a message ending exactly at the start, with an empty line, and with a dot inside lines', () => {
  const body = 'Subject: x\r\n\r\nline with . inside\r\n.\tnot the end\r\n\r\n';
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: `HELO a\r\n${ENVELOPE}DATA\r\n` },
    { s: '250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: `${body}.\r\n` },
    { s: '250 ok\r\n' },
  ]);
  assert.equal(r.messages[0]!.bytes, 'Subject: x\r\n\r\nline with . inside\r\n\tnot the end\r\n\r\n');
  assert.equal(r.transactions[0]!.data_bytes, r.messages[0]!.bytes.length);
});

test('DATA: bare LF and <LF>.<LF> stay inside the message and are flagged (smuggling rule)', () => {
  const smuggled = 'Subject: a\r\n\r\nhello\n.\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.net>\r\n\r\n.\r\n';
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: `HELO a\r\n${ENVELOPE}DATA\r\n` },
    { s: '250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: smuggled },
    { s: '250 ok\r\n' },
  ]);
  assert.equal(r.transactions.length, 1, 'the smuggled envelope is not a transaction');
  assert.equal(r.messages[0]!.bytes, smuggled.slice(0, -3));
  assert.deepEqual(r.transactions[0]!.anomalies, ['smtp_bare_lf', 'smtp_smuggling_end']);
  assert.equal(r.anomalies.filter((a) => a.name === 'smtp_smuggling_end').length, 1);
});

test('DATA: each non-standard dot line is one smtp_smuggling_end occurrence', () => {
  const body = 'a\r\n.\nb\n.\r\nc\r.\rd\r\n.\re\r\n';
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: `HELO a\r\n${ENVELOPE}DATA\r\n${body}.\r\n` },
    { s: '250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n250 ok\r\n' },
  ]);
  assert.equal(r.anomalies.filter((a) => a.name === 'smtp_smuggling_end').length, 4);
  assert.equal(r.messages[0]!.bytes, 'a\r\n\nb\n.\r\nc\r.\rd\r\n\re\r\n');
  assert.equal(r.transactions[0]!.status, 'accepted');
});

test('DATA refused after the client already switched: its next lines are commands again', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'HELO a\r\nDATA\r\n' },
    { s: '250 mx\r\n503 need MAIL\r\n' },
    { c: 'MAIL FROM:<a@example.org>\r\n' },
    { s: '250 ok\r\n' },
  ]);
  assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.status]), [['', 'rejected'], ['a@example.org', 'aborted']]);
  assert.ok(r.transactions[0]!.anomalies.includes('smtp_data_without_rcpt'));
});

test('BDAT: exact chunk bytes whatever the segmenting, chunks ending mid-line, BDAT 0 LAST', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250-mx\r\n250-CHUNKING\r\n250 PIPELINING\r\n' },
    { c: `${ENVELOPE}BDAT 10\r\nSubject: xBDAT 7\r\n\r\nbody.BDAT 0 LAST\r\n` },
    { s: '250 ok\r\n250 ok\r\n250 10 octets\r\n250 7 octets\r\n250 message ok\r\n' },
    { c: 'QUIT\r\n' },
    { s: '221 bye\r\n' },
  ]);
  assert.equal(r.messages[0]!.bytes, 'Subject: x\r\nbody.');
  const t = r.transactions[0]!;
  assert.equal(t.bdat, true);
  assert.equal(t.data_bytes, 17);
  assert.equal(t.status, 'accepted');
  assert.deepEqual(t.reply, { code: 250, text: 'message ok' });
  assert.deepEqual(r.commands, ['EHLO', 'MAIL', 'RCPT', 'BDAT', 'BDAT', 'BDAT', 'QUIT']);
});

test('BDAT … LAST pipelined with MAIL/RCPT and the next MAIL; the LAST reply decides the status', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250 mx\r\n' },
    { c: `${ENVELOPE}BDAT 5 LAST\r\nhelloMAIL FROM:<c@example.org>\r\nRCPT TO:<d@example.net>\r\nBDAT 3 last\r\nbye` },
    { s: '250 ok\r\n250 ok\r\n250 done\r\n250 ok\r\n250 ok\r\n554 rejected content\r\n' },
  ]);
  assert.deepEqual(r.messages.map((m) => m.bytes), ['hello', 'bye']);
  assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.status, t.data_bytes]), [
    ['a@example.org', 'accepted', 5],
    ['c@example.org', 'rejected', 3],
  ]);
  assert.deepEqual(r.anomalies, []);
});

test('BDAT: negative, overflowing and junk sizes are flagged; the session goes on', () => {
  for (const arg of ['-5', '99999999999999999999999', '12x', '10 FIRST', '']) {
    const r = assertSplitInvariant([
      { s: '220 mx\r\n' },
      { c: `EHLO a\r\n${ENVELOPE}BDAT ${arg}\r\n` },
      { s: '250 mx\r\n250 ok\r\n250 ok\r\n521 5.5.4 Syntax: BDAT count [LAST]\r\n' },
      { c: 'RSET\r\nMAIL FROM:<c@example.org>\r\n' },
      { s: '250 ok\r\n250 ok\r\n' },
    ], {}, 3);
    assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.status]), [['a@example.org', 'rejected'], ['c@example.org', 'aborted']], arg);
    assert.deepEqual(r.transactions[0]!.reply, { code: 521, text: '5.5.4 Syntax: BDAT count [LAST]' });
    assert.ok(r.transactions[0]!.anomalies.includes('smtp_bdat_bad_size'), arg);
  }
});

test('BDAT: a session ending without LAST', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: `EHLO a\r\n${ENVELOPE}BDAT 4\r\nabcd` },
    { s: '250 mx\r\n250 ok\r\n250 ok\r\n250 4 octets\r\n' },
  ]);
  const t = r.transactions[0]!;
  assert.equal(t.status, 'aborted');
  assert.ok(t.anomalies.includes('smtp_bdat_missing_last'));
  assert.equal(r.messages[0]!.bytes, 'abcd');
  assert.equal(r.messages[0]!.ended, 1);
});

test('a close inside DATA ends the message as aborted with the bytes seen', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: `HELO a\r\n${ENVELOPE}DATA\r\n` },
    { s: '250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: 'half a mess' },
  ], { close: 'rst' });
  assert.equal(r.transactions[0]!.status, 'aborted');
  assert.equal(r.transactions[0]!.data_bytes, 11);
  assert.equal(r.sessions[0]!.close, 'rst');
});
