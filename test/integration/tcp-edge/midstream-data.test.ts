// Issue 13 item 11, end to end: a capture that begins inside DATA, in the middle of an attachment.
// The partly seen message is reported as an `incomplete` transaction with an empty envelope and
// what the MIME parser could still find; every event validates against the schema.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { Conversation, pcapOf } from '../../helpers/conversation.js';
import { fixture } from '../../helpers/paths.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile(schema: object): ValidateFunction } }).default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object);

const tmp = mkdtempSync(join(tmpdir(), 'mailtap-midstream-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('pickup inside an attachment: one incomplete transaction, envelope empty, session midstream', async () => {
  const a = new Conversation();
  const keep = { keep: false };
  a.handshake().s('220 mx ESMTP\r\n', keep).c('EHLO a\r\n', keep).s('250 mx\r\n', keep);
  a.c('MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n', keep).s('250 ok\r\n250 ok\r\n354 go\r\n', keep);
  a.c('Subject: report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n', keep);
  a.c('Content-Type: application/pdf; name="r.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n', keep);
  a.c('QUFBQUFBQUFBQUFB\r\nQkJCQg==\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee http://example.com/x\r\n--b1--\r\n.\r\n');
  a.s('250 2.0.0 Ok: queued as 7TTT\r\n').c('QUIT\r\n').s('221 bye\r\n').close();
  const file = join(tmp, 'midstream.pcap');
  // The capture starts after the handshake too: a midstream pickup.
  writeFileSync(file, pcapOf(a.frames.slice(3)));
  const r = await runCli(['read', file]);
  assert.equal(r.code, 0, r.stderr);
  const events = ndjson(r.stdout);
  for (const e of events) assert.ok(validate(e), `${JSON.stringify(validate.errors)} in ${JSON.stringify(e)}`);
  const txns = events.filter((e) => e['event'] === 'smtp_transaction');
  assert.equal(txns.length, 1);
  const t = txns[0]!;
  assert.equal(t['status'], 'incomplete');
  assert.equal(t['mail_from'], '');
  assert.deepEqual(t['rcpt_to'], []);
  assert.deepEqual(t['reply'], { code: 250, text: '2.0.0 Ok: queued as 7TTT' });
  assert.ok(typeof t['message'] === 'object' && t['message'] !== null, 'what the parser found');
  const s = events.filter((e) => e['event'] === 'smtp_session');
  assert.equal(s.length, 1);
  assert.equal(s[0]!['midstream'], true);
  assert.equal(s[0]!['transactions'], 1);
});
