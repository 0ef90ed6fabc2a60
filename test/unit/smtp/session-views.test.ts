import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpSession } from '../../../src/smtp/session.js';
import { defaultConfig } from '../../../src/config/schema.js';
import type { Direction, FlowOpenInfo } from '../../../src/flow/types.js';
import type { SmtpCounters, SmtpOutput } from '../../../src/smtp/types.js';
import { stubMessageParsers } from '../../helpers/stub-message-parser.js';

// The chunks a session reads are borrowed (views of the worker's batch buffer, sent back to be
// refilled once the batch is read): after each onData no reader may still hold a view into it
// (issue 12 item 6 releases only the direction that read the chunk).
const info: FlowOpenInfo = {
  flow: 1, uid: 'Cviews', communityId: '1:x', client: { ip: '192.0.2.10', port: 40000 }, server: { ip: '198.51.100.25', port: 25 }, vlan: [], midstream: false,
};
const out: SmtpOutput = { transaction: () => undefined, session: () => undefined, anomaly: () => undefined };
const counters = { command: () => undefined, reply: () => undefined, auth: () => undefined } as unknown as SmtpCounters;

interface ReaderView { lineBuf: Buffer | null; raw: Buffer | null }
function views(s: SmtpSession): ReaderView[] {
  const p = (s as unknown as { p: { client: { lines: ReaderView }; server: { lines: ReaderView } } }).p;
  return [p.client.lines, p.server.lines];
}

function run(script: [Direction, string][], cut: number): void {
  const s = new SmtpSession(info, { limits: defaultConfig().limits, logPasswords: false, newMessageParser: stubMessageParsers().factory }, out, counters);
  let t = 1;
  for (const [dir, text] of script) {
    const all = Buffer.from(text, 'latin1');
    for (let off = 0; off < all.length; off += cut) {
      // Each chunk in its own ArrayBuffer, as a batch's payload is.
      const chunk = Buffer.alloc(Math.min(cut, all.length - off));
      all.copy(chunk, 0, off, off + chunk.length);
      s.onData(dir, chunk, t++);
      for (const v of views(s)) {
        assert.ok(v.lineBuf === null || v.lineBuf.buffer !== chunk.buffer, `${dir} chunk at ${off} (cut ${cut}): a line view is kept`);
        assert.ok(v.raw === null || v.raw.buffer !== chunk.buffer, `${dir} chunk at ${off} (cut ${cut}): a raw view is kept`);
      }
    }
  }
}

const PLAIN: [Direction, string][] = [
  ['s2c', '220 mx\r\n'], ['c2s', 'EHLO a\r\n'], ['s2c', '250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n'],
  ['c2s', 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n'], ['s2c', '250 ok\r\n250 ok\r\n354 go\r\n'],
  ['c2s', 'Subject: x\r\n\r\nbody\r\n.\r\n'], ['s2c', '250 queued\r\n'],
  ['c2s', 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nBDAT 6 LAST\r\nabcdef'], ['s2c', '250 ok\r\n250 ok\r\n250 done\r\n'],
  ['c2s', 'QUIT\r\n'], ['s2c', '221 bye\r\n'],
];

// A lenient end of data (<LF>.<CRLF>) with commands behind it: the client bytes are held until the
// server's reply decides, then read again during the server's chunk (smuggling-arbiter.ts).
const SMUGGLED: [Direction, string][] = [
  ['s2c', '220 mx\r\n'], ['c2s', 'EHLO a\r\n'], ['s2c', '250-mx\r\n250 PIPELINING\r\n'],
  ['c2s', 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n'], ['s2c', '250 ok\r\n250 ok\r\n354 go\r\n'],
  ['c2s', 'Subject: one\r\n\r\nfirst\n.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n'],
  ['s2c', '250 queued 1\r\n250 ok\r\n250 ok\r\n354 go\r\n'], ['c2s', 'Subject: smuggled\r\n\r\nevil\r\n.\r\n'], ['s2c', '250 queued 2\r\n'],
  ['c2s', 'QUIT\r\n'], ['s2c', '221 bye\r\n'],
];

test('no reader keeps a view of a chunk after onData, at every chunk size', () => {
  for (const cut of [1, 2, 3, 5, 7, 11, 64, 4096]) {
    run(PLAIN, cut);
    run(SMUGGLED, cut);
  }
});
