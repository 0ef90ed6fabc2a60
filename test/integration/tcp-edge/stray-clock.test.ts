// Issue 13 item 8, end to end: one packet of another connection stamped ten days ahead must not
// close every open session as idle (which split a live session into two wrong records).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conversation, pcapOf } from '../../helpers/conversation.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'mailtap-stray-clock-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const TEN_DAYS = 10 * 86_400 * 1_000_000;

test('a stray packet ten days ahead closes nothing: one session, one accepted transaction', async () => {
  const a = new Conversation();
  a.handshake().s('220 mx ESMTP\r\n').c('EHLO a\r\n').s('250 mx\r\n');
  const stray = new Conversation('203.0.113.9:51000', '198.51.100.25:25');
  stray.ts = a.ts + TEN_DAYS;
  stray.c('X');
  a.frames.push(...stray.frames);
  a.c('MAIL FROM:<a@x>\r\n').s('250 ok\r\n').c('RCPT TO:<b@y>\r\n').s('250 ok\r\n').c('DATA\r\n').s('354 go\r\n');
  a.c('Subject: hi\r\n\r\nbody\r\n.\r\n').s('250 queued as ABC\r\n').c('QUIT\r\n').s('221 bye\r\n').close();
  const file = join(tmp, 'stray.pcap');
  writeFileSync(file, pcapOf(a.frames));
  const r = await runCli(['read', file]);
  assert.equal(r.code, 0, r.stderr);
  const events = ndjson(r.stdout);
  const sessions = events.filter((e) => e['event'] === 'smtp_session' && (e['src_port'] as number) === 40000);
  assert.equal(sessions.length, 1, JSON.stringify(sessions));
  assert.equal(sessions[0]!['close'], 'fin');
  assert.equal(sessions[0]!['midstream'], false);
  const txns = events.filter((e) => e['event'] === 'smtp_transaction');
  assert.equal(txns.length, 1);
  assert.equal(txns[0]!['status'], 'accepted');
});
