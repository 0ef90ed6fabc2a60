// Issue 13 item 10, end to end: a capture of the server's side only (asymmetric routing, a
// one-way tap). The never-captured client direction is no gap, and the replies alone give one
// transaction per message.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conversation, pcapOf } from '../../helpers/conversation.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'mailtap-one-sided-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('server side only: no flow_gap, no gap_bytes, one accepted transaction with the queue id', async () => {
  const a = new Conversation();
  a.handshake().s('220 mx ESMTP\r\n').c('EHLO a\r\n').s('250-mx\r\n250 PIPELINING\r\n');
  a.c('MAIL FROM:<a@x>\r\n').s('250 ok\r\n').c('RCPT TO:<b@y>\r\n').s('250 ok\r\n').c('DATA\r\n').s('354 go\r\n');
  a.c('Subject: hi\r\n\r\nbody\r\n.\r\n').s('250 2.0.0 Ok: queued as 4XyZ\r\n').c('QUIT\r\n').s('221 bye\r\n').close();
  const file = join(tmp, 'server-only.pcap');
  writeFileSync(file, pcapOf(a.only('server')));
  const r = await runCli(['read', file]);
  assert.equal(r.code, 0, r.stderr);
  const events = ndjson(r.stdout);
  assert.deepEqual(events.filter((e) => e['event'] === 'anomaly').map((e) => e['name']), []);
  const sessions = events.filter((e) => e['event'] === 'smtp_session');
  assert.equal(sessions.length, 1);
  const s = sessions[0]!;
  assert.equal(s['gap_bytes'], 0);
  assert.equal(s['one_sided'], 'server_only');
  assert.equal(s['transactions'], 1);
  const txns = events.filter((e) => e['event'] === 'smtp_transaction');
  assert.equal(txns.length, 1);
  assert.equal(txns[0]!['status'], 'accepted');
  assert.deepEqual(txns[0]!['reply'], { code: 250, text: '2.0.0 Ok: queued as 4XyZ' });
  assert.equal(txns[0]!['gap_bytes'], 0);
});
