// Attachments hidden by structure (issue 15, items 9-11), end to end on a capture through
// `mailtap read -`: a header longer than the value cap before the Content-Type, an executable
// inside a base64-encoded forwarded message named innocent.txt, and uuencoded blocks in a text
// body. The capture is built here (one connection per case) and read once for all the tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PcapWriter, TcpConn, ip4 } from '../../helpers/hostile-pcap.js';
import { runCli } from '../../helpers/run-cli.js';
import { closeData, openData } from '../../helpers/hostile-smtp.js';
import { uuencode } from '../../helpers/uuencode.js';

type Obj = Record<string, unknown>;
const CLIENT = '203.0.113.15';
const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const b64 = (b: Buffer): string => b.toString('base64').replace(/.{76}/g, '$&\n');

/** A small PE-looking executable (MZ header, DOS stub text). */
const EXE = Buffer.concat([B('MZ\x90\x00\x03\x00\x00\x00\x04\x00'), B('This program cannot be run in DOS mode.\r\n'), Buffer.alloc(200, 0xcc)]);

/** One SMTP session from `port` that sends `message` (CRLF text, dot-stuffed here) with DATA. */
function session(w: PcapWriter, port: number, message: string): void {
  const h = new TcpConn(w, ip4(CLIENT), ip4('198.51.100.25'), port);
  openData(h);
  const data = B(message.replace(/^\./gm, '..'));
  for (let off = 0; off < data.length; off += 60000) h.c(data.subarray(off, off + 60000));
  closeData(h);
}

/** A 1 MiB header folded into 998-byte lines (RFC 5322 §2.2.3): no line is too long, the value is. */
function folded(name: string): string {
  return `${name}: start` + `\r\n\t${'j'.repeat(995)}`.repeat(1052) + '\r\n';
}

const ATTACHED = crlf(`--out
Content-Type: text/plain

see the file
--out
Content-Type: application/octet-stream; name="evil.exe"
Content-Disposition: attachment; filename="evil.exe"
Content-Transfer-Encoding: base64

${b64(EXE)}
--out--
`);

const CASES: Record<number, string> = {
  // Item 9: a 1 MiB X-Junk before the Content-Type that makes the message multipart.
  50901: crlf('From: a@attacker.example\nSubject: junk first\n') + folded('X-Junk') + crlf('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="out"\n\n') + ATTACHED,
  // Item 9: a 1 MiB Subject; the headers after it are still parsed.
  50902: crlf('From: a@attacker.example\n') + folded('Subject') + crlf('To: b@victim.example\nMessage-ID: <after@attacker.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="out"\n\n') + ATTACHED,
  // Item 10: the executable inside a forwarded message that is base64-encoded and named innocent.txt.
  51001: crlf(`From: a@attacker.example
Subject: forwarded
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="fwd"

--fwd
Content-Type: text/plain

please read
--fwd
Content-Type: message/rfc822; name="innocent.txt"
Content-Disposition: attachment; filename="innocent.txt"
Content-Transfer-Encoding: base64

${b64(B(crlf('From: x@y.example\nSubject: inner\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="out"\n\n') + ATTACHED))}
--fwd--
`),
  // Item 11: two uuencoded files in a text body, as old droppers send them.
  51101: crlf(`From: a@attacker.example
Subject: uu
Content-Type: text/plain

Here are the files.

begin 644 invoice.exe
${uuencode(EXE)}
end

and a note:
begin 600 note.txt
${uuencode(B('hello uu\n'))}
end
bye
`),
};

let read: Promise<Obj[]> | undefined;
function events(): Promise<Obj[]> {
  read ??= (async () => {
    const w = new PcapWriter();
    for (const [port, msg] of Object.entries(CASES)) session(w, Number(port), msg);
    w.flush();
    const r = await runCli(['read', '-'], { stdin: Buffer.concat(w.take()) });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    assert.doesNotMatch(r.stderr, /^\s+at\s/m, 'no stack trace');
    const out: Obj[] = [];
    for (const l of r.stdout.toString('utf8').split('\n')) if (l !== '') out.push(JSON.parse(l) as Obj);
    return out;
  })();
  return read;
}

async function messageOf(port: number): Promise<{ tx: Obj; msg: Obj; attachments: Obj[] }> {
  const tx = (await events()).filter((e) => e.event === 'smtp_transaction' && e.src_port === port);
  assert.equal(tx.length, 1, `one transaction from port ${port}`);
  assert.equal(tx[0]!.status, 'accepted');
  const msg = tx[0]!.message as Obj;
  return { tx: tx[0]!, msg, attachments: msg.attachments as Obj[] };
}

function assertExe(a: Obj | undefined): void {
  assert.ok(a !== undefined, 'the executable is listed');
  assert.equal(a.filename, 'evil.exe');
  assert.equal(a.size, EXE.length);
  assert.equal(a.sha256, sha256(EXE));
  assert.equal(a.detected_type, 'application/x-dosexec');
}

test('item 9: a 1 MiB header before Content-Type: truncated and flagged, the structure and the attachment still found', async () => {
  const { tx, msg, attachments } = await messageOf(50901);
  assert.equal(msg.content_type, 'multipart/mixed');
  assert.equal(msg.subject, 'junk first');
  assert.equal(attachments.length, 1);
  assertExe(attachments[0]);
  assert.ok((tx.anomalies as string[]).includes('mime_header_too_long'));
});

test('item 9: a 1 MiB Subject is reported cut at the value cap, the headers after it parsed', async () => {
  const { tx, msg, attachments } = await messageOf(50902);
  assert.equal(typeof msg.subject, 'string');
  assert.equal(Buffer.byteLength(msg.subject as string), 65536, 'limits.header_value_bytes');
  assert.ok((msg.subject as string).startsWith('start\tjjj'));
  assert.deepEqual(msg.to, [{ address: 'b@victim.example' }]);
  assert.equal(msg.message_id, 'after@attacker.example');
  assert.equal(msg.content_type, 'multipart/mixed');
  assertExe(attachments[0]);
  assert.ok((tx.anomalies as string[]).includes('mime_header_too_long'));
});

test('item 10: an executable inside a base64 message/rfc822 named innocent.txt is listed with the outer part', async () => {
  const { attachments } = await messageOf(51001);
  assert.equal(attachments.length, 2, JSON.stringify(attachments));
  const outer = attachments[0]!;
  assert.equal(outer.filename, 'innocent.txt');
  assert.equal(outer.content_type, 'message/rfc822');
  assert.equal(outer.transfer_encoding, 'base64');
  assertExe(attachments[1]);
});

test('item 11: uuencoded blocks in a text body are attachments (x-uuencode, decoded size and hashes)', async () => {
  const { msg, attachments } = await messageOf(51101);
  assert.equal(msg.content_type, 'text/plain');
  assert.equal(attachments.length, 2, JSON.stringify(attachments));
  const [exe, note] = attachments;
  assert.equal(exe!.filename, 'invoice.exe');
  assert.equal(exe!.transfer_encoding, 'x-uuencode');
  assert.equal(exe!.size, EXE.length);
  assert.equal(exe!.md5, createHash('md5').update(EXE).digest('hex'));
  assert.equal(exe!.sha1, createHash('sha1').update(EXE).digest('hex'));
  assert.equal(exe!.sha256, sha256(EXE));
  assert.equal(exe!.detected_type, 'application/x-dosexec');
  assert.equal(note!.filename, 'note.txt');
  assert.equal(note!.size, 9);
  assert.equal(note!.sha256, sha256(B('hello uu\n')));
});
