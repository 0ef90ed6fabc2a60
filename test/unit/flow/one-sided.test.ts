// Issue 13 item 10 (flow side): a direction never captured is not a gap. A server-only feed sees
// the SYN-ACK and replies acknowledging client bytes it never shows; those bytes were not lost by
// the capture of this connection, they were never on this link, so no gap is declared for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { Conn, F, Recorder, flowsConfig } from '../../helpers/segments.js';

test('server-only feed with the SYN-ACK: no gap for the unseen client, server bytes all delivered', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const c = new Conn();
  const replies = ['220 mx\r\n', '250 mx\r\n', '250 ok\r\n', '250 ok\r\n', '354 go\r\n', '250 queued as ABC\r\n', '221 bye\r\n'];
  let off = 0;
  let acked = 0;
  ft.onSegment(c.synAck());
  for (const r of replies) {
    ft.onSegment(c.s(off, r, { ack: acked, ts: c.ts + 200_000 }));
    off += r.length;
    acked += 20;
    ft.tick(c.ts + 150_000); // past the reorder window
  }
  ft.onSegment(c.s(off, '', { ack: acked, flags: F.FIN | F.ACK }));
  ft.closeAll('eof');
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 's2c'), replies.join(''));
  assert.equal(rec.of('gap').length, 0);
  const close = rec.of('close')[0]!;
  assert.equal(close.summary.gapBytes, 0);
  assert.equal(close.summary.oneSided, 'server_only');
  assert.equal(ft.stats().gapBytes, 0);
});

test('a client seen once (its SYN) whose data never shows up is still a gap', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const c = new Conn();
  ft.onSegment(c.syn());
  ft.onSegment(c.synAck());
  ft.onSegment(c.s(0, '250 ok\r\n', { ack: 10 }));
  ft.closeAll('eof');
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), '<gap 10>');
});
