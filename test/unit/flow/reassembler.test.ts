import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import type { StreamEvent } from '../../../src/flow/types.js';
import type { FlowsConfig } from '../../../src/config/types.js';
import { Conn, F, Recorder, flowsConfig } from '../../helpers/segments.js';

function setup(over: Partial<FlowsConfig> = {}): { ft: FlowTable; rec: Recorder; c: Conn; flow: number } {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(over), smtpPorts: [25], uidPrefix: 't' }, rec);
  const c = new Conn();
  for (const s of c.handshake()) ft.onSegment(s);
  return { ft, rec, c, flow: rec.of('open')[0]!.info.flow };
}

test('in-order data is delivered as a view of the packet (no copy)', () => {
  const seen: Buffer[] = [];
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25] }, { onEvent: (e: StreamEvent) => void (e.t === 'data' && seen.push(e.bytes)) });
  const c = new Conn();
  for (const s of c.handshake()) ft.onSegment(s);
  const seg = c.c(0, 'HELO x\r\n');
  ft.onSegment(seg);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.buffer, seg.payload.buffer);
  assert.equal(seen[0]!.byteOffset, seg.payload.byteOffset);
});

test('sequence numbers wrap across 2^32, in order and out of order', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25] }, rec);
  const c = new Conn('10.0.0.1:40000', '10.0.0.2:25', 0xfffffff0, 0xfffffffa);
  for (const s of c.handshake()) ft.onSegment(s);
  ft.onSegment(c.c(0, 'a'.repeat(10))); // 0xfffffff1 .. 0xfffffffa
  ft.onSegment(c.c(20, 'c'.repeat(10))); // past the wrap, early
  ft.onSegment(c.c(10, 'b'.repeat(10))); // straddles the wrap
  ft.onSegment(c.s(0, '220 ok\r\n')); // server's data wraps at once
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), `${'a'.repeat(10)}${'b'.repeat(10)}${'c'.repeat(10)}`);
  assert.equal(rec.stream(flow, 's2c'), '220 ok\r\n');
  assert.equal(ft.stats().outOfOrder, 1);
});

test('out-of-order segments are held and delivered in order', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(8, 'MAIL'));
  ft.onSegment(c.c(4, 'EHLO'));
  assert.equal(ft.stats().holdbackBytes, 8);
  ft.onSegment(c.c(0, 'HELO'));
  assert.equal(rec.stream(flow, 'c2s'), 'HELOEHLOMAIL');
  assert.equal(ft.stats().holdbackBytes, 0);
  assert.equal(ft.stats().outOfOrder, 2);
});

test('retransmissions are dropped and counted', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(0, 'HELO'));
  ft.onSegment(c.c(0, 'HELO'));
  ft.onSegment(c.c(2, 'LO'));
  ft.onSegment(c.c(8, 'late'));
  ft.onSegment(c.c(8, 'late'));
  ft.onSegment(c.c(4, 'abcd'));
  assert.equal(rec.stream(flow, 'c2s'), 'HELOabcdlate');
  const st = ft.stats();
  assert.equal(st.retransmit, 3);
  assert.deepEqual(rec.anomalies(), []);
});

test('overlap with delivered bytes: only the new part is delivered', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(0, 'HELO'));
  ft.onSegment(c.c(2, 'LO x\r\n'));
  assert.equal(rec.stream(flow, 'c2s'), 'HELO x\r\n');
  assert.equal(ft.stats().overlap, 1);
});

test('overlap with held bytes: equal bytes are fine, the first copy wins', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(4, 'EFGH'));
  ft.onSegment(c.c(0, 'ABCDEF'));
  assert.equal(rec.stream(flow, 'c2s'), 'ABCDEFGH');
  assert.deepEqual(rec.anomalies(), []);
  assert.equal(ft.stats().overlapMismatch, 0);
});

test('overlap with held bytes that differ: first copy wins, flow_overlap_mismatch', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(4, 'EFGH'));
  ft.onSegment(c.c(0, 'ABCDxy'));
  ft.onSegment(c.c(10, 'KL'));
  ft.onSegment(c.c(9, 'zzz'));
  assert.equal(rec.stream(flow, 'c2s'), 'ABCDEFGH');
  assert.deepEqual(rec.anomalies(), ['flow_overlap_mismatch', 'flow_overlap_mismatch']);
  assert.equal(ft.stats().overlapMismatch, 2);
});

test('gap at FIN: the missing middle becomes a gap of exact length, then close fin', () => {
  const { ft, rec, c, flow } = setup({ reorder_window_ms: 100 });
  ft.onSegment(c.c(0, 'abcde'));
  ft.onSegment(c.c(10, 'klmno', { flags: F.FIN | F.ACK | F.PSH }));
  ft.onSegment(c.s(0, '', { flags: F.FIN | F.ACK, ack: 5 }));
  assert.equal(rec.of('close').length, 0, 'waits for the reordering window');
  ft.tick(c.ts + 100_000);
  assert.equal(rec.stream(flow, 'c2s'), 'abcde<gap 5>klmno');
  const close = rec.of('close')[0]!;
  assert.equal(close.reason, 'fin');
  assert.equal(close.summary.gapBytes, 5);
  assert.equal(close.summary.bytesClient, 10);
});

test('ACK before data (SPAN): no gap when the data arrives inside the reorder window', () => {
  const { ft, rec, c, flow } = setup({ reorder_window_ms: 100 });
  ft.onSegment(c.s(0, '', { ack: 6 }));
  ft.tick(c.ts + 50_000);
  ft.onSegment(c.c(0, 'HELO\r\n', { ts: c.ts + 99_999 }));
  ft.tick(c.ts + 1_000_000);
  assert.equal(rec.stream(flow, 'c2s'), 'HELO\r\n');
  assert.equal(ft.stats().gaps, 0);
});

test('ACK beyond a hole: at the reorder window the hole becomes a gap (also without tick)', () => {
  const { ft, rec, c, flow } = setup({ reorder_window_ms: 100 });
  ft.onSegment(c.c(6, 'MAIL'));
  ft.onSegment(c.s(0, '', { ack: 10 }));
  const ackTs = c.ts;
  ft.tick(ackTs + 99_999);
  assert.equal(ft.stats().gaps, 0);
  // The missing bytes arrive one microsecond too late: they are a retransmission of a gap.
  ft.onSegment(c.c(0, 'HELO\r\n', { ts: ackTs + 100_000 }));
  assert.equal(rec.stream(flow, 'c2s'), '<gap 6>MAIL');
  assert.equal(ft.stats().gapBytes, 6);
});

test('ACK beyond everything seen: after the window the tail is a gap too', () => {
  const { ft, rec, c, flow } = setup({ reorder_window_ms: 0 });
  ft.onSegment(c.c(0, 'ab'));
  ft.onSegment(c.s(0, '', { ack: 7 }));
  assert.equal(rec.stream(flow, 'c2s'), 'ab<gap 5>');
  ft.onSegment(c.c(7, 'hi'));
  assert.equal(rec.stream(flow, 'c2s'), 'ab<gap 5>hi');
});

test('per-flow memcap: exactly per_flow_holdback_kb is held; one byte more declares the hole a gap', () => {
  const { ft, rec, c, flow } = setup({ per_flow_holdback_kb: 1 });
  ft.onSegment(c.c(10, Buffer.alloc(1000, 0x61)));
  ft.onSegment(c.c(1010, Buffer.alloc(24, 0x62)));
  assert.equal(ft.stats().holdbackBytes, 1024);
  assert.equal(ft.stats().memcapDrops, 0);
  assert.deepEqual(rec.anomalies(), []);
  ft.onSegment(c.c(1034, Buffer.alloc(1, 0x63)));
  assert.deepEqual(rec.anomalies(), ['flow_memcap']);
  const st = ft.stats();
  assert.equal(st.memcapDrops, 10);
  assert.equal(st.holdbackBytes, 0);
  assert.equal(rec.stream(flow, 'c2s'), `<gap 10>${'a'.repeat(1000)}${'b'.repeat(24)}c`);
});

test('a segment larger than the per-flow cap on its own: the hole is a gap, the segment delivered', () => {
  const { ft, rec, c, flow } = setup({ per_flow_holdback_kb: 1 });
  ft.onSegment(c.c(3, Buffer.alloc(1025, 0x61)));
  assert.equal(rec.stream(flow, 'c2s'), `<gap 3>${'a'.repeat(1025)}`);
  assert.equal(ft.stats().memcapDrops, 3);
});

test('global memcap across flows: exactly memcap_mb is held; one byte more is a memcap gap', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig({ memcap_mb: 1, per_flow_holdback_kb: 1024 }), smtpPorts: [25] }, rec);
  const c1 = new Conn('10.0.0.1:40000', '10.0.0.2:25');
  const c2 = new Conn('10.0.0.3:40000', '10.0.0.2:25');
  for (const s of [...c1.handshake(), ...c2.handshake()]) ft.onSegment(s);
  ft.onSegment(c1.c(1, Buffer.alloc(600 * 1024, 0x61)));
  ft.onSegment(c2.c(1, Buffer.alloc(424 * 1024, 0x62)));
  assert.equal(ft.stats().holdbackBytes, 1024 * 1024);
  assert.deepEqual(rec.anomalies(), []);
  ft.onSegment(c2.c(1 + 424 * 1024, Buffer.alloc(1, 0x63)));
  assert.deepEqual(rec.anomalies(), ['flow_memcap']);
  const flow2 = rec.of('open')[1]!.info.flow;
  assert.equal(rec.stream(flow2, 'c2s'), `<gap 1>${'b'.repeat(424 * 1024)}c`);
  assert.equal(ft.stats().holdbackBytes, 600 * 1024);
});

test('snaplen-truncated segment in order: captured bytes then a gap for the rest; anomaly once per flow', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(0, 'HELO', { payloadLen: 10 }));
  ft.onSegment(c.c(10, 'MAIL', { payloadLen: 8 }));
  ft.onSegment(c.c(18, 'RCPT'));
  assert.equal(rec.stream(flow, 'c2s'), 'HELO<gap 6>MAIL<gap 4>RCPT');
  assert.deepEqual(rec.anomalies(), ['flow_truncated_segment']);
});

test('snaplen-truncated segment out of order: its missing tail is delivered as a gap in place', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(4, 'MAIL', { payloadLen: 10 }));
  ft.onSegment(c.c(14, 'RCPT'));
  ft.onSegment(c.c(0, 'HELO'));
  assert.equal(rec.stream(flow, 'c2s'), 'HELOMAIL<gap 6>RCPT');
});

test('a segment more than 1 GiB from the expected sequence is ignored (flow_seq_jump)', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(0, 'HELO'));
  ft.onSegment(c.c(2 ** 30 + 5, 'evil'));
  ft.onSegment(c.c(4, 'MAIL'));
  ft.closeAll('eof');
  assert.equal(rec.stream(flow, 'c2s'), 'HELOMAIL');
  assert.deepEqual(rec.anomalies(), ['flow_seq_jump']);
  assert.equal(ft.stats().gapBytes, 0);
});

test('capture loss: an ACK that arrives after the gap was declared counts the ACKed missing bytes', () => {
  const { ft, c } = setup({ per_flow_holdback_kb: 1 });
  ft.onSegment(c.c(0, 'ab'));
  ft.onSegment(c.c(12, Buffer.alloc(1025, 0x61))); // memcap: 2..11 declared missing
  assert.equal(ft.stats().ackedMissingBytes, 0);
  ft.onSegment(c.s(0, '', { ack: 1037 }));
  const st = ft.stats();
  assert.equal(st.ackedBytes, 1037);
  assert.equal(st.ackedMissingBytes, 10);
});

test('one-sided capture (no ACK will ever come): a hole before held data becomes a gap after the window', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig({ reorder_window_ms: 100 }), smtpPorts: [25] }, rec);
  const c = new Conn();
  ft.onSegment(c.c(0, 'EHLO x\r\n'));
  const t0 = c.ts;
  ft.onSegment(c.c(20, 'RCPT TO:<b@c>\r\n'));
  // No SYN: the bytes wait one window for it (issue 13 item 9, K1), then the hole's own window runs.
  ft.tick(t0 + 100_000);
  const t = t0 + 100_000;
  ft.tick(t + 99_999);
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO x\r\n');
  ft.tick(t + 100_000);
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO x\r\n<gap 12>RCPT TO:<b@c>\r\n');
  assert.equal(ft.stats().holdbackBytes, 0);
});

test('two-sided flow: a hole without an ACK beyond it waits (reordering, not loss yet)', () => {
  const { ft, rec, c, flow } = setup({ reorder_window_ms: 100 });
  ft.onSegment(c.c(6, 'MAIL'));
  ft.tick(c.ts + 10_000_000);
  assert.equal(rec.stream(flow, 'c2s'), '');
  ft.onSegment(c.c(0, 'HELO\r\n'));
  assert.equal(rec.stream(flow, 'c2s'), 'HELO\r\nMAIL');
});

test('a snaplen-cut in-order segment running into held bytes: captured bytes, gap, then the held bytes', () => {
  const { ft, rec, c, flow } = setup();
  ft.onSegment(c.c(4, 'EFGH'));
  ft.onSegment(c.c(0, 'AB', { payloadLen: 8 }));
  assert.equal(rec.stream(flow, 'c2s'), 'AB<gap 2>EFGH');
  assert.equal(ft.stats().holdbackBytes, 0);
  ft.onSegment(c.c(8, 'IJ'));
  assert.equal(rec.stream(flow, 'c2s'), 'AB<gap 2>EFGHIJ');
});

test('held bytes keep their own packet time, not that of the segment that filled the hole (issue 8)', () => {
  // Found by the reordered variants of test/impaired: a transaction's `ts` followed the filler.
  const { ft, rec, c, flow } = setup();
  const t = c.ts;
  ft.onSegment(c.c(6, 'MAIL\r\n', { ts: t + 9_000 }));
  ft.onSegment(c.c(0, 'EHLO\r\n', { ts: t + 4_000 }));
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO\r\nMAIL\r\n');
  const data = rec.of('data').filter((e) => e.dir === 'c2s');
  assert.deepEqual(
    data.map((e) => [e.bytes.toString('latin1'), e.tsMicros]),
    [
      ['EHLO\r\n', t + 4_000],
      ['MAIL\r\n', t + 9_000],
    ],
  );
});
