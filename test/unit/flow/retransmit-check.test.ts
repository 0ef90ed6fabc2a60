// Issue 13 item 6: a retransmission that disagrees with bytes already delivered. Delivered bytes
// are kept until the receiver acknowledges them (flows.retransmit_check_kb per connection), so a
// differing copy raises flow_overlap_mismatch; the first copy still wins (it was delivered).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { Conn, Recorder, flowsConfig } from '../../helpers/segments.js';
import type { FlowsConfig } from '../../../src/config/types.js';

function setup(over: Partial<FlowsConfig> = {}): { ft: FlowTable; rec: Recorder; c: Conn; flow: number } {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(over), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const c = new Conn();
  for (const s of c.handshake()) ft.onSegment(s);
  return { ft, rec, c, flow: rec.of('open')[0]!.info.flow };
}

test('a differing copy of delivered, unacknowledged bytes raises flow_overlap_mismatch; the first copy wins', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(0, 'MAIL FROM:<a@x>\r\n'));
  ft.onSegment(c.c(0, 'MAIL FROM:<a@x>\r\n'));
  assert.deepEqual(rec.anomalies(), [], 'an identical retransmission is no anomaly');
  ft.onSegment(c.c(0, 'MAIL FROM:<e@x>\r\n'));
  assert.deepEqual(rec.anomalies(), ['flow_overlap_mismatch']);
  // Partly delivered, partly new: the old part is compared, the new part delivered.
  ft.onSegment(c.c(5, 'FROM:<z@x>\r\nRCPT TO:<b@y>\r\n'));
  assert.deepEqual(rec.anomalies(), ['flow_overlap_mismatch', 'flow_overlap_mismatch']);
  assert.equal(rec.stream(flow, 'c2s'), 'MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n');
  assert.equal(ft.stats().overlapMismatch, 2);
});

test('bytes the receiver acknowledged are released and no longer compared', () => {
  const { ft, rec, c } = setup();
  ft.onSegment(c.c(0, 'MAIL FROM:<a@x>\r\n'));
  ft.onSegment(c.s(0, '250 ok\r\n', { ack: 17 }));
  assert.equal(ft.stats().retainedBytes, 8, 'only the server reply waits for its ACK');
  ft.onSegment(c.c(0, 'MAIL FROM:<e@x>\r\n', { ack: 8 }));
  assert.deepEqual(rec.anomalies(), []);
  assert.equal(ft.stats().retainedBytes, 0);
  ft.closeAll('eof');
  assert.equal(ft.stats().retainedBytes, 0);
});

test('flows.retransmit_check_kb: at the limit every byte is compared; one past it the oldest is no longer kept', () => {
  const body = 'x'.repeat(1024);
  {
    const { ft, rec, c } = setup({ retransmit_check_kb: 1 });
    ft.onSegment(c.c(0, body));
    assert.equal(ft.stats().retainedBytes, 1024);
    ft.onSegment(c.c(0, 'y'));
    assert.deepEqual(rec.anomalies(), ['flow_overlap_mismatch']);
    assert.equal(ft.stats().retainDroppedBytes, 0);
  }
  {
    const { ft, rec, c } = setup({ retransmit_check_kb: 1 });
    ft.onSegment(c.c(0, body + 'x'));
    assert.equal(ft.stats().retainedBytes, 1024);
    assert.equal(ft.stats().retainDroppedBytes, 1);
    ft.onSegment(c.c(0, 'y'));
    assert.deepEqual(rec.anomalies(), [], 'byte 0 is no longer kept: not compared');
    ft.onSegment(c.c(1, 'y'));
    assert.deepEqual(rec.anomalies(), ['flow_overlap_mismatch']);
  }
});

test('a one-sided connection (peer never seen: no ACK will come) keeps nothing', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const c = new Conn();
  ft.onSegment(c.syn());
  ft.onSegment(c.c(0, 'EHLO a\r\n'));
  assert.equal(ft.stats().retainedBytes, 0);
});

test('an absurd ACK (far outside the sequence space) does not empty the check', () => {
  const { ft, rec, c } = setup();
  ft.onSegment(c.c(0, 'MAIL FROM:<a@x>\r\n'));
  ft.onSegment(c.s(0, '', { ack: 0x50000000 }));
  assert.equal(ft.stats().retainedBytes, 17);
  ft.onSegment(c.c(0, 'MAIL FROM:<e@x>\r\n'));
  assert.deepEqual(rec.anomalies(), ['flow_overlap_mismatch']);
});

test('an ACK of part of the kept bytes releases only those; one at or beyond their end releases the rest', () => {
  // Two paths in Reassembler.onAck: an ACK below the delivered end walks the kept runs, one at or
  // past it (nearly every ACK) releases the store whole. Both must release exactly the acknowledged bytes.
  const { ft, rec, c } = setup();
  ft.onSegment(c.c(0, 'MAIL FROM:<a@x>\r\n'));
  ft.onSegment(c.c(17, 'RCPT TO:<b@y>\r\n'));
  assert.equal(ft.stats().retainedBytes, 32);
  ft.onSegment(c.s(0, '', { ack: 5 }));
  assert.equal(ft.stats().retainedBytes, 27, 'bytes 0-4 acknowledged');
  ft.onSegment(c.c(0, 'XXXXXFROM:<a@x>\r\n'));
  assert.deepEqual(rec.anomalies(), [], 'acknowledged bytes are not compared, the kept ones agree');
  ft.onSegment(c.c(0, 'MAIL FROM:<e@x>\r\n'));
  assert.deepEqual(rec.anomalies(), ['flow_overlap_mismatch'], 'the kept bytes after the ACK are still compared');
  ft.onSegment(c.s(0, '', { ack: 32 }));
  assert.equal(ft.stats().retainedBytes, 0, 'an ACK of the delivered end releases everything');
  ft.onSegment(c.c(17, 'RCPT TO:<c@y>\r\n'));
  assert.deepEqual(rec.anomalies(), ['flow_overlap_mismatch'], 'released bytes are not compared');
  ft.onSegment(c.c(32, 'DATA\r\n'));
  assert.equal(ft.stats().retainedBytes, 6);
  ft.onSegment(c.s(0, '', { ack: 40 }));
  assert.equal(ft.stats().retainedBytes, 0, 'an ACK beyond the delivered end releases everything too');
});
