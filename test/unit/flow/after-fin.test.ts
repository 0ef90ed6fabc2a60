// Issue 13 item 7: bytes beyond a FIN's sequence number are not stream data (RFC 9293 §3.10.7.4:
// a receiver in CLOSE-WAIT ignores segment text after the FIN). They must never reach the SMTP
// engine, raise `flow_data_after_fin`, and the FIN's own sequence slot is never a missing byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { Conn, F, Recorder, flowsConfig } from '../../helpers/segments.js';

/** Packet time past the default reorder window: an ended connection closes (issue 13 item 9, K3). */
const PAST_WINDOW = 100_000;

function setup(): { ft: FlowTable; rec: Recorder } {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, rec);
  return { ft, rec };
}

test('data after the FIN (in capture order) is dropped with flow_data_after_fin; no gap for the FIN slot', () => {
  const { ft, rec } = setup();
  const c = new Conn();
  for (const s of c.handshake()) ft.onSegment(s);
  ft.onSegment(c.s(0, '220 hi\r\n'));
  ft.onSegment(c.c(0, 'QUIT\r\n', { ack: 8, flags: F.ACK | F.PSH | F.FIN }));
  // After the FIN's slot (offset 6), and in it: neither is stream data.
  ft.onSegment(c.c(7, 'MAIL FROM:<evil@x>\r\n', { ack: 8 }));
  ft.onSegment(c.c(6, 'X', { ack: 8 }));
  ft.onSegment(c.s(8, '221 bye\r\n', { ack: 7, flags: F.ACK | F.PSH | F.FIN }));
  ft.onSegment(c.c(7, '', { ack: 18 }));
  ft.closeAll('eof');
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), 'QUIT\r\n');
  assert.equal(rec.of('gap').length, 0, 'the FIN slot is not a missing byte');
  assert.ok(rec.anomalies().includes('flow_data_after_fin'));
  const close = rec.of('close')[0]!;
  assert.equal(close.reason, 'fin');
  assert.equal(close.summary.gapBytes, 0);
  assert.equal(close.summary.bytesClient, 6);
  assert.equal(ft.stats().holdbackBytes, 0);
});

test('data beyond the FIN that arrived before it (held back) is dropped when the FIN comes', () => {
  const { ft, rec } = setup();
  const c = new Conn();
  for (const s of c.handshake()) ft.onSegment(s);
  ft.onSegment(c.c(20, 'RCPT TO:<late@x>\r\n'));
  ft.onSegment(c.c(4, ' a\r\n')); // still a hole before it: held too
  assert.ok(ft.stats().holdbackBytes > 0);
  ft.onSegment(c.c(0, 'EHLO a\r\n', { flags: F.ACK | F.PSH | F.FIN })); // FIN at offset 8, overlaps held bytes
  ft.onSegment(c.s(0, '', { ack: 9, flags: F.ACK | F.FIN }));
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO a\r\n');
  assert.ok(rec.anomalies().includes('flow_data_after_fin'));
  // Nothing waits beyond the FIN: the close only waits the window for late packets (K3, issue 13 item 9).
  ft.tick(c.ts + PAST_WINDOW);
  assert.equal(rec.of('close')[0]?.reason, 'fin', 'closes: nothing waits beyond the FIN');
  assert.equal(rec.of('close')[0]!.summary.gapBytes, 0);
  assert.equal(ft.stats().holdbackBytes, 0);
});

test('a held range straddling the FIN keeps the bytes before it', () => {
  const { ft, rec } = setup();
  const c = new Conn();
  for (const s of c.handshake()) ft.onSegment(s);
  ft.onSegment(c.c(4, ' a\r\nJUNK'));
  ft.onSegment(c.c(8, '', { flags: F.ACK | F.FIN }));
  ft.onSegment(c.c(0, 'EHLO'));
  ft.onSegment(c.s(0, '', { ack: 9, flags: F.ACK | F.FIN }));
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO a\r\n');
  assert.deepEqual(rec.anomalies(), ['flow_data_after_fin']);
  ft.tick(c.ts + PAST_WINDOW);
  assert.equal(rec.of('close')[0]?.reason, 'fin');
  assert.equal(ft.stats().holdbackBytes, 0);
});
