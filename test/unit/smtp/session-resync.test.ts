// Correct on the reply: traces from the corpus where the replies or the framing went astray.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';

test('a greeting without its CRLF swallows the EHLO reply; 354 realigns the queue (suricata-verify detect-email-received)', () => {
  const r = assertSplitInvariant([
    { s: '220 mx ESMTP AAAA' },
    { c: 'EHLO Simone\r\n' },
    { s: '250-mx.example.com\r\n' },
    { c: 'MAIL FROM: <a@example.org>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'RCPT TO: <b@example.net>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'RCPT TO: <c@example.net>\r\n' },
    { s: '250 ok\r\n' },
    { c: 'DATA\r\n' },
    { s: '354 go\r\n' },
    { c: 'Subject: x\r\n\r\nhi\r\n.\r\n' },
    { s: '250 ok: queued\r\n' },
    { c: 'QUIT\r\n' },
    { s: '221 bye\r\n' },
  ]);
  const t = r.transactions[0]!;
  assert.equal(t.status, 'accepted');
  assert.deepEqual(t.rcpt_to, ['b@example.net', 'c@example.net']);
  assert.deepEqual(t.reply, { code: 250, text: 'ok: queued' });
  assert.deepEqual(r.anomalies.map((a) => a.name), ['smtp_unmatched_reply']);
});

test('a server that ends DATA at <LF>.<LF>: its reply ends the message (suricata-verify smtp-url-base64)', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\n' },
    { c: 'HELO a\nMAIL FROM:<a@example.org>\nRCPT TO:<b@example.net>\nDATA\n' },
    { s: '250 hi\n250 ok\n250 ok\n354 go\n' },
    { c: 'Subject: x\n\nbody\n.\n' },
    { s: '250 queued\n' },
    { c: 'QUIT\n' },
    { s: '221 bye\n' },
  ]);
  const t = r.transactions[0]!;
  assert.equal(t.status, 'accepted');
  assert.deepEqual(t.reply, { code: 250, text: 'queued' });
  assert.deepEqual(t.anomalies, ['smtp_bare_lf', 'smtp_smuggling_end']);
  assert.deepEqual(r.commands, ['HELO', 'MAIL', 'RCPT', 'DATA', 'QUIT']);
  // The reply says the server ended the data at <LF>.<LF>: the message ends before its dot (issue 15).
  assert.equal(r.messages[0]!.bytes, 'Subject: x\n\nbody\n');
  assert.equal(t.data_bytes, 'Subject: x\n\nbody\n'.length);
});

test('a reply inside DATA with no reason (421): the transaction ends with it, flagged', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'HELO a\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' },
    { s: '250 hi\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: 'Subject: x\r\n' },
    { s: '421 timeout\r\n' },
  ]);
  assert.equal(r.transactions[0]!.status, 'rejected');
  assert.deepEqual(r.transactions[0]!.anomalies, ['smtp_unmatched_reply']);
});

test('QUIT inside AUTH LOGIN is a command, though it is valid base64 (suricata-verify smtp-long-command)', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250 mx\r\n' },
    { c: 'AUTH LOGIN\r\n' },
    { s: '334 VXNlcm5hbWU6\r\n' },
    { c: 'QUIT\r\n' },
    { s: '334 UGFzc3dvcmQ6\r\n' },
  ]);
  assert.deepEqual(r.commands, ['EHLO', 'AUTH', 'QUIT']);
  assert.deepEqual(r.sessions[0]!.auth, { mechanism: 'LOGIN', result: 'unknown', cleartext: true });
});

test('a TLS ClientHello where a command belongs (no STARTTLS): the client stream is left alone', () => {
  const r = assertSplitInvariant([
    { s: '220 v02.example.org ESMTP Postfix\r\n' },
    { c: Buffer.from([0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x0d, 0x0a, 0x45, 0x48, 0x4c, 0x4f, 0x0d, 0x0a]) },
    { s: '502 5.5.2 Error: command not recognized\r\n' },
  ], { serverPort: 465 });
  const s = r.sessions[0]!;
  assert.equal(s.commands, 0);
  assert.equal(s.starttls, undefined);
  assert.deepEqual(s.anomalies, ['smtp_unknown_command', 'smtp_unmatched_reply']);
});

test('a nested MAIL refused with 503 leaves the server\'s envelope in place (Zeek smtp-mail-transactions-invalid)', () => {
  const r = assertSplitInvariant([
    { s: '220 mx\r\n' },
    { c: 'EHLO a\r\n' },
    { s: '250 mx\r\n' },
    { c: 'MAIL FROM:<bob@example.org>\r\n' },
    { s: '250 OK\r\n' },
    { c: 'DATA\r\n' },
    { s: '503 valid RCPT command must precede DATA\r\n' },
    { c: 'MAIL FROM:<bob@example.org>\r\n' },
    { s: '503 sender already given\r\n' },
    { c: 'RCPT TO:<alice@example.org>\r\n' },
    { s: '250 Accepted\r\n' },
    { c: 'DATA\r\n' },
    { s: '354 Enter message\r\n' },
    { c: 'Hello\r\n.\r\n' },
    { s: '250 OK id=1\r\n' },
  ]);
  // RFC 5321 §4.1.4: the refused MAIL changed nothing, so RCPT and DATA went into bob's transaction.
  assert.deepEqual(r.transactions.map((t) => [t.trans_depth, t.mail_from, t.status, t.rcpt_to]), [
    [1, 'bob@example.org', 'accepted', ['alice@example.org']],
  ]);
  assert.ok(r.transactions[0]!.anomalies.includes('smtp_nested_mail'));
  assert.equal(r.sessions[0]!.transactions, 1);
});

test('SMTP through an HTTP CONNECT proxy on another port (Zeek http/connect-with-smtp)', () => {
  const r = assertSplitInvariant([
    { c: 'CONNECT mailin03.example.de:25 / HTTP/1.0\r\nMozilla 4.0 (compatible)\r\n\r\n' },
    { s: 'HTTP/1.0 200 Connection established\r\n\r\n' },
    { s: '220 mailin03.example.de ESMTP ready.\r\n' },
    { c: 'HELO 208.191.73.21\r\n' },
    { s: '250 Ok.\r\n' },
    { c: 'MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.de>\r\nDATA\r\n' },
    { s: '250 Ok.\r\n250 Ok.\r\n354 go\r\n' },
    { c: 'Subject: x\r\n\r\n.\r\n' },
    { s: '250 Message accepted.\r\n' },
  ], { serverPort: 8240 });
  assert.equal(r.notSmtp, 0);
  assert.equal(r.sessions[0]!.banner, 'mailin03.example.de ESMTP ready.');
  assert.deepEqual(r.commands, ['HELO', 'MAIL', 'RCPT', 'DATA']);
  const t = r.transactions[0]!;
  assert.deepEqual([t.helo, t.mail_from, t.rcpt_to, t.status, t.reply], ['208.191.73.21', 'a@example.com', ['b@example.de'], 'accepted', { code: 250, text: 'Message accepted.' }]);
  assert.deepEqual(r.anomalies, []);
});
