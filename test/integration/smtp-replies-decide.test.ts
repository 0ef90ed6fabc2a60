// Issue 15 items 4-8 end to end: captures built here, read by `mailtap read -`. The server's
// replies are the arbiter of what happened to each message: a refused EHLO keeps the envelope, a
// refused malformed BDAT opens no transaction, a multi-line reply's final code decides, and a
// BDAT LAST cut by the close is incomplete, not missing its LAST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsOfType, readPcap, smtpPcapMany } from '../helpers/smtp-pcap.js';
import type { PcapStep, ReadResult } from '../helpers/smtp-pcap.js';

const HELLO: PcapStep[] = [
  { s: '220 mx.example.net ESMTP\r\n' },
  { c: 'EHLO client.example\r\n' },
  { s: '250-mx.example.net\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n' },
];
const BYE: PcapStep[] = [{ c: 'QUIT\r\n' }, { s: '221 2.0.0 bye\r\n' }];

const CONNECTIONS: PcapStep[][] = [
  // item 5: EHLO refused inside the transaction
  [
    ...HELLO,
    { c: 'MAIL FROM:<a@example.org>\r\n' }, { s: '250 2.1.0 ok\r\n' },
    { c: 'RCPT TO:<b@example.net>\r\n' }, { s: '250 2.1.5 ok\r\n' },
    { c: 'EHLO other.example\r\n' }, { s: '550 5.7.1 not now\r\n' },
    { c: 'DATA\r\n' }, { s: '354 go\r\n' },
    { c: 'Subject: five\r\n\r\nhello\r\n.\r\n' }, { s: '250 2.0.0 queued as 5\r\n' },
    ...BYE,
  ],
  // item 6: malformed BDAT refused, then MAIL/RCPT/DATA pipelined in the same segment
  [
    ...HELLO,
    { c: 'BDAT 12x\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' },
    { s: '501 5.5.4 syntax error\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n' },
    { c: 'Subject: six\r\n\r\nhello\r\n.\r\n' }, { s: '250 2.0.0 queued as 6\r\n' },
    ...BYE,
  ],
  // item 7: continuation lines that disagree
  [
    ...HELLO,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n' },
    { s: '250 2.1.0 ok\r\n250-2.1.5 fine so far\r\n550 5.1.1 no such user\r\n250 2.1.5 ok\r\n354 go\r\n' },
    { c: 'Subject: seven\r\n\r\nhello\r\n.\r\n' }, { s: '250 2.0.0 queued as 7\r\n' },
    ...BYE,
  ],
  // item 8: BDAT 200 LAST, 30 octets, then FIN
  [
    ...HELLO,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 200 LAST\r\n' },
    { s: '250 2.1.0 ok\r\n250 2.1.5 ok\r\n' },
    { c: 'Subject: eight\r\n\r\nonly this' },
  ],
  // item 4a: lenient server, the smuggled envelope pipelined after <LF>.<CRLF>
  [
    ...HELLO,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' }, { s: '250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n' },
    { c: 'Subject: first\r\n\r\nhello\n.\r\nMAIL FROM:<ceo@example.org>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n' },
    { s: '250 2.0.0 queued as 41\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n' },
    { c: 'Subject: smuggled\r\nFrom: ceo@example.org\r\n\r\npay now\r\n.\r\n' }, { s: '250 2.0.0 queued as 42\r\n' },
    ...BYE,
  ],
  // item 4b: the whole smuggling payload in one flight, a lenient server answers five times
  [
    ...HELLO,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' }, { s: '250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n' },
    { c: 'Subject: first\r\n\r\nhello\n.\r\nMAIL FROM:<ceo@example.org>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nSubject: smuggled\r\n\r\npay now\r\n.\r\n' },
    { s: '250 2.0.0 queued as 43\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n250 2.0.0 queued as 44\r\n' },
    ...BYE,
  ],
  // item 4c: the same flight against a strict server: one reply, one message
  [
    ...HELLO,
    { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' }, { s: '250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n' },
    { c: 'Subject: first\r\n\r\nhello\n.\r\nMAIL FROM:<ceo@example.org>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nSubject: smuggled\r\n\r\npay now\r\n.\r\n' },
    { s: '250 2.0.0 queued as 45\r\n' },
    ...BYE,
  ],
];

/** One `mailtap read` of the whole capture, shared by the tests below. */
let result: Promise<ReadResult> | null = null;
async function read(): Promise<ReadResult> {
  result ??= readPcap(smtpPcapMany(CONNECTIONS));
  const r = await result;
  assert.equal(r.code, 0, r.text);
  return r;
}
const tx = (r: ReadResult, i: number) => eventsOfType(r, 'smtp_transaction', 40123 + i);
const anomalies = (r: ReadResult, i: number) => eventsOfType(r, 'anomaly', 40123 + i).map((e) => e.name);

test('item 5: a refused EHLO inside the transaction keeps it (one transaction, accepted)', async () => {
  const r = await read();
  assert.equal(tx(r, 0).length, 1);
  assert.deepEqual([tx(r, 0)[0]!.status, tx(r, 0)[0]!.mail_from, tx(r, 0)[0]!.rcpt_to], ['accepted', 'a@example.org', ['b@example.net']]);
  assert.equal((tx(r, 0)[0]!.message as Record<string, unknown>).subject, 'five');
});

test('item 6: a malformed BDAT refused with 501, then pipelined MAIL/RCPT/DATA: one transaction', async () => {
  const r = await read();
  assert.equal(tx(r, 1).length, 1);
  assert.deepEqual([tx(r, 1)[0]!.status, tx(r, 1)[0]!.mail_from, tx(r, 1)[0]!.rcpt_to, tx(r, 1)[0]!.anomalies], ['accepted', 'a@example.org', ['b@example.net'], []]);
  assert.deepEqual(eventsOfType(r, 'smtp_session', 40124)[0]!.anomalies, ['smtp_bdat_bad_size']);
  assert.ok(!anomalies(r, 1).includes('smtp_unmatched_reply'));
});

test('item 7: continuation lines that disagree: the final 550 decides, smtp_reply_code_mismatch', async () => {
  const r = await read();
  assert.deepEqual(tx(r, 2)[0]!.rcpt_rejected, [{ address: 'b@example.net', code: 550 }]);
  assert.deepEqual(tx(r, 2)[0]!.rcpt_to, ['c@example.net']);
  assert.deepEqual(tx(r, 2)[0]!.anomalies, ['smtp_reply_code_mismatch']);
  assert.deepEqual(anomalies(r, 2), ['smtp_reply_code_mismatch']);
});

test('item 8: BDAT 200 LAST cut by the close: incomplete, missing octets counted, LAST not missing', async () => {
  const r = await read();
  const sent = 'Subject: eight\r\n\r\nonly this'.length;
  assert.deepEqual([tx(r, 3)[0]!.status, tx(r, 3)[0]!.bdat, tx(r, 3)[0]!.data_bytes, tx(r, 3)[0]!.gap_bytes], ['incomplete', true, 200, 200 - sent]);
  assert.ok(!anomalies(r, 3).includes('smtp_bdat_missing_last'));
  assert.ok(!(tx(r, 3)[0]!.anomalies as string[]).includes('smtp_bdat_missing_last'));
});

test('item 4: pipelined smuggling against a lenient server: both envelopes reported, the first message ends at <LF>.<CRLF>', async () => {
  const r = await read();
  for (const i of [4, 5]) {
    const t = tx(r, i);
    assert.deepEqual(t.map((e) => [e.mail_from, e.rcpt_to, e.status]), [
      ['a@example.org', ['b@example.net'], 'accepted'],
      ['ceo@example.org', ['victim@example.net'], 'accepted'],
    ], `connection ${i}`);
    assert.equal(t[0]!.data_bytes, 'Subject: first\r\n\r\nhello\n'.length);
    assert.ok((t[0]!.anomalies as string[]).includes('smtp_smuggling_end'));
    assert.equal((t[1]!.message as Record<string, unknown>).subject, 'smuggled');
    assert.ok(!anomalies(r, i).includes('smtp_unmatched_reply'), `connection ${i}: every reply matched`);
  }
});

test('item 4: the same flight against a strict server is one message', async () => {
  const r = await read();
  const t = tx(r, 6);
  assert.deepEqual(t.map((e) => [e.mail_from, e.status]), [['a@example.org', 'accepted']]);
  assert.ok(!anomalies(r, 6).includes('smtp_unmatched_reply'));
});
