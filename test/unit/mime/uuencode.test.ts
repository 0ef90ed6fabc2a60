// uuencoded files in text bodies (issue 15 item 11): each block an attachment (x-uuencode) with its
// decoded size, hashes and magic type; streamed in any chunking; bounded; malformed blocks flagged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { UuScanner, type UuSink } from '../../../src/mime/uuencode.js';
import { uuencode } from '../../helpers/uuencode.js';
import { crlf, parse, parseChunked } from './helpers.js';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

interface Got {
  name: string;
  bytes: Buffer[];
  gaps: number;
  closed: boolean;
}

function scan(text: string | Buffer, chunk = 0): { got: Got[]; anomalies: AnomalySet } {
  const got: Got[] = [];
  const anomalies = new AnomalySet();
  const s = new UuScanner((name): UuSink => {
    const g: Got = { name, bytes: [], gaps: 0, closed: false };
    got.push(g);
    return { write: (b) => g.bytes.push(Buffer.from(b)), gap: (n) => (g.gaps += n), close: () => (g.closed = true) };
  }, anomalies);
  const buf = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
  if (chunk === 0) s.write(buf);
  else for (let i = 0; i < buf.length; i += chunk) s.write(buf.subarray(i, i + chunk));
  s.finish();
  return { got, anomalies };
}

const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) & 255));

test('a block decodes to the original bytes, in any chunking, CRLF or LF', () => {
  for (const eol of ['\n', '\r\n']) {
    const text = `hello\nbegin 644 data.bin\n${uuencode(DATA)}\nend\nafter\n`.replace(/\n/g, eol);
    for (const chunk of [0, 1, 5, 64]) {
      const { got, anomalies } = scan(text, chunk);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.name, 'data.bin');
      assert.equal(sha256(Buffer.concat(got[0]!.bytes)), sha256(DATA), `chunk ${chunk}`);
      assert.ok(got[0]!.closed);
      assert.deepEqual(anomalies.list(), []);
    }
  }
});

test('every length from 0 to 50 bytes round-trips (partial last group, empty file)', () => {
  for (let n = 0; n <= 50; n++) {
    const d = DATA.subarray(0, n);
    const { got } = scan(`begin 600 f\n${uuencode(d)}\nend\n`);
    assert.equal(Buffer.concat(got[0]!.bytes).toString('hex'), d.toString('hex'), `length ${n}`);
  }
});

test('spaces instead of backquotes, and trailing spaces stripped by a transport', () => {
  const enc = uuencode(Buffer.from([0, 0, 0, 1, 0, 0])).replace(/`/g, ' ');
  const stripped = enc.split('\n').map((l) => l.trimEnd()).join('\n');
  const { got } = scan(`begin 644 z\n${stripped}\n \nend\n`);
  assert.deepEqual([...Buffer.concat(got[0]!.bytes)], [0, 0, 0, 1, 0, 0]);
});

test('prose that mentions begin is no block; a block cut short is reported and flagged', () => {
  const prose = scan('we begin 644 times\nbegin 644 the meeting\nat nine, as agreed\nend\n');
  assert.equal(prose.got.length, 0);
  assert.deepEqual(prose.anomalies.list(), []);
  const cut = scan(`begin 644 cut.exe\n${uuencode(DATA).split('\n').slice(0, 3).join('\n')}\nthis is text again\n`);
  assert.equal(cut.got.length, 1);
  assert.equal(Buffer.concat(cut.got[0]!.bytes).length, 135);
  assert.ok(cut.got[0]!.closed);
  assert.deepEqual(cut.anomalies.list(), ['mime_invalid_uuencode']);
  const unended = scan(`begin 644 e\n${uuencode(DATA)}\n`);
  assert.deepEqual(unended.anomalies.list(), ['mime_invalid_uuencode']);
  assert.equal(Buffer.concat(unended.got[0]!.bytes).length, DATA.length);
});

test('bounded: a line longer than 1 KiB is skipped without being kept, and ends a block', () => {
  const long = 'M'.repeat(5000);
  const r = scan(`begin 644 a\n${uuencode(DATA.subarray(0, 45))}\n${long}\nbegin 644 b\n${uuencode(DATA.subarray(0, 3))}\nend\n`, 100);
  assert.deepEqual(r.got.map((g) => [g.name, Buffer.concat(g.bytes).length]), [['a', 45], ['b', 3]]);
  assert.deepEqual(r.anomalies.list(), ['mime_invalid_uuencode']);
});

test('a gap inside a block: the block goes on and counts the missing bytes', () => {
  const anomalies = new AnomalySet();
  const gaps: number[] = [];
  const out: Buffer[] = [];
  const s = new UuScanner(() => ({ write: (b) => out.push(Buffer.from(b)), gap: (n) => gaps.push(n), close: () => undefined }), anomalies);
  const lines = uuencode(DATA).split('\n');
  s.write(Buffer.from(`begin 644 g\n${lines[0]}\n${lines[1]!.slice(0, 20)}`));
  s.gap(100);
  s.write(Buffer.from(`${lines[2]!.slice(30)}\n${lines[3]}\n\`\nend\n`));
  s.finish();
  assert.deepEqual(gaps, [100]);
  assert.equal(Buffer.concat(out).length, 90, 'line 0 and line 3; the cut lines are dropped');
  assert.deepEqual(anomalies.list(), []);
});

test('through the parser: text/plain and QP text parts yield attachments after the parts before them; attachments are not scanned', () => {
  const exe = Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), DATA]);
  const msg = crlf(`Subject: uu
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: application/pdf; name=first.pdf

%PDF-1.4
--b
Content-Type: text/plain

begin 644 payload.exe
${uuencode(exe)}
end
--b
Content-Type: text/plain; name=notes.txt

begin 644 not-scanned.bin
${uuencode(DATA.subarray(0, 10))}
end
--b--
`);
  const r = parse(msg);
  assert.deepEqual(r.message.attachments.map((a) => a.filename), ['first.pdf', 'payload.exe', 'notes.txt']);
  const uu = r.message.attachments[1]!;
  assert.equal(uu.transfer_encoding, 'x-uuencode');
  assert.equal(uu.content_type, 'application/octet-stream');
  assert.equal(uu.size, exe.length);
  assert.equal(uu.sha256, sha256(exe));
  assert.equal(uu.detected_type, 'application/x-dosexec');
  assert.equal(r.message.parts, 4, 'a uuencoded block is no MIME entity');
  for (const size of [1, 13, 4096]) assert.deepEqual(parseChunked(msg, size), r, `chunks of ${size}`);
});

test('limits.mime_parts bounds the uuencoded blocks of a message: at the limit all listed, one past dropped and flagged', () => {
  const block = (i: number): string => `begin 644 f${i}.bin\n${uuencode(Buffer.from([i]))}\nend\n`;
  const msg = (n: number): Buffer => crlf(`Content-Type: text/plain\n\n${Array.from({ length: n }, (_, i) => block(i)).join('')}`);
  const at = parse(msg(5), { limits: { mime_parts: 5 } });
  assert.equal(at.message.attachments.length, 5);
  assert.deepEqual(at.anomalies, []);
  const past = parse(msg(6), { limits: { mime_parts: 5 } });
  assert.deepEqual(past.message.attachments.map((a) => a.filename), ['f0.bin', 'f1.bin', 'f2.bin', 'f3.bin', 'f4.bin']);
  assert.deepEqual(past.anomalies, ['mime_parts_exceeded']);
});
