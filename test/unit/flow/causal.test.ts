import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import type { DecodedSegment } from '../../../src/decode/types.js';
import type { FlowsConfig } from '../../../src/config/types.js';
import { Conn, F, Recorder, T0, flowsConfig, mkSeg } from '../../helpers/segments.js';

/** Packet time past the default reorder window: a connection that ended closes (issue 13 item 9, K3). */
const PAST_WINDOW = 100_000;

function run(segs: DecodedSegment[], over: Partial<FlowsConfig> = {}, close = true): { ft: FlowTable; rec: Recorder } {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(over), smtpPorts: [25], uidPrefix: 't' }, rec);
  for (const s of segs) ft.onSegment(s);
  if (close) ft.closeAll('eof');
  return { ft, rec };
}

/** Data and gap events of both directions in delivery order, e.g. `c2s:DATA\r\n`, `c2s:<gap 5>`. */
function order(rec: Recorder): string[] {
  const out: string[] = [];
  for (const e of rec.events) {
    if (e.t === 'data') out.push(`${e.dir}:${e.bytes.toString('latin1')}`);
    else if (e.t === 'gap') out.push(`${e.dir}:<gap ${e.len}>`);
  }
  return out;
}

/** A DATA transaction: [greeting … 354], the body in two segments, the 250, QUIT/221, FINs. */
function dataSession(c: Conn): DecodedSegment[] {
  return [
    ...c.handshake(),
    c.s(0, '220 mx\r\n'),
    c.c(0, 'DATA\r\n', { ack: 8 }),
    c.s(8, '354 go\r\n', { ack: 6 }),
    c.c(6, 'Subject: x\r\n\r\n', { ack: 16 }), // 14 bytes
    c.c(20, 'body\r\n.\r\n', { ack: 16 }), // 9 bytes
    c.s(16, '250 ok\r\n', { ack: 29 }),
    c.c(29, 'QUIT\r\n', { ack: 24 }),
    c.s(24, '221 bye\r\n', { ack: 35 }),
    c.s(33, '', { flags: F.FIN | F.ACK, ack: 35 }),
    c.c(35, '', { flags: F.FIN | F.ACK, ack: 34 }),
    c.s(34, '', { ack: 36 }),
  ];
}

const ORDERED = [
  's2c:220 mx\r\n',
  'c2s:DATA\r\n',
  's2c:354 go\r\n',
  'c2s:Subject: x\r\n\r\n',
  'c2s:body\r\n.\r\n',
  's2c:250 ok\r\n',
  'c2s:QUIT\r\n',
  's2c:221 bye\r\n',
];

test('ordered capture: nothing is deferred, events in capture order', () => {
  const { ft, rec } = run(dataSession(new Conn()));
  assert.deepEqual(order(rec), ORDERED);
  assert.equal(rec.of('close')[0]!.reason, 'fin');
  assert.equal(ft.stats().holdbackBytes, 0);
});

test("ACK overtaking (SPAN): the 250 before the client's last segment gives the ordered capture's events", () => {
  const segs = dataSession(new Conn());
  const swapped = [...segs];
  [swapped[7], swapped[8]] = [swapped[8]!, swapped[7]!];
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 't' }, rec);
  for (const s of swapped.slice(0, 8)) ft.onSegment(s);
  assert.equal(ft.stats().holdbackBytes, 8, 'the 250 waits (a copy, charged to the holdback budget)');
  assert.ok(!order(rec).includes('s2c:250 ok\r\n'));
  for (const s of swapped.slice(8)) ft.onSegment(s);
  assert.equal(ft.stats().holdbackBytes, 0);
  assert.deepEqual(order(rec), ORDERED);
  ft.tick(Math.max(...swapped.map((s) => s.tsMicros)) + PAST_WINDOW);
  assert.equal(rec.of('close')[0]!.reason, 'fin');
  assert.deepEqual(rec.anomalies(), []);
});

test('a lost client segment below the ACK becomes a gap before the 250, when the window ends', () => {
  const c = new Conn();
  const segs = dataSession(c).filter((_s, i) => i !== 6); // 'Subject: x\r\n\r\n' lost
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig({ reorder_window_ms: 100 }), smtpPorts: [25], uidPrefix: 't' }, rec);
  for (const s of segs.slice(0, 8)) ft.onSegment(s); // up to the 250
  const ackedAt = segs[7]!.tsMicros;
  assert.deepEqual(order(rec).slice(-1), ['s2c:354 go\r\n'], 'neither the held body nor the 250 yet');
  ft.tick(ackedAt + 100_000 - 1);
  assert.deepEqual(order(rec).slice(-1), ['s2c:354 go\r\n'], 'one microsecond before the window ends');
  ft.tick(ackedAt + 100_000);
  assert.deepEqual(order(rec).slice(3), ['c2s:<gap 14>', 'c2s:body\r\n.\r\n', 's2c:250 ok\r\n']);
  for (const s of segs.slice(8)) ft.onSegment(s);
  assert.deepEqual(order(rec).slice(6), ['c2s:QUIT\r\n', 's2c:221 bye\r\n']);
  ft.tick(c.ts + PAST_WINDOW);
  const close = rec.of('close')[0]!;
  assert.equal(close.reason, 'fin');
  assert.equal(close.summary.gapBytes, 14);
});

test('window 0: the hole is a gap at once and the 250 follows it', () => {
  const segs = dataSession(new Conn()).filter((_s, i) => i !== 6);
  const { rec } = run(segs.slice(0, 8), { reorder_window_ms: 0 }, false);
  assert.deepEqual(order(rec).slice(3), ['c2s:<gap 14>', 'c2s:body\r\n.\r\n', 's2c:250 ok\r\n']);
});

test('the lost segment arriving later (retransmitted with a newer ACK) fills the hole: no gap, causal order', () => {
  const c = new Conn();
  const segs = dataSession(c);
  const lost = segs[6]!;
  const rest = segs.filter((_s, i) => i !== 6);
  const retrans = c.c(6, 'Subject: x\r\n\r\n', { ack: 24 }); // after the 250 was sent: ACK covers it
  const { rec } = run([...rest.slice(0, 9), retrans, ...rest.slice(9)]);
  assert.equal(lost.payloadLen, 14);
  assert.deepEqual(order(rec), ORDERED);
  assert.equal(rec.of('close')[0]!.summary.gapBytes, 0);
});

test('end of input while the 250 waits: the client gap, its held bytes, then the 250, then close', () => {
  const segs = dataSession(new Conn()).filter((_s, i) => i !== 6);
  const { rec } = run(segs.slice(0, 8), { reorder_window_ms: 60_000 });
  const tail = rec.events.slice(-4).map((e) => (e.t === 'data' ? `${e.dir}:${e.bytes.toString('latin1')}` : e.t === 'gap' ? `${e.dir}:<gap ${e.len}>` : e.t));
  assert.deepEqual(tail, ['c2s:<gap 14>', 'c2s:body\r\n.\r\n', 's2c:250 ok\r\n', 'close']);
});

test('RST while the 250 waits: same flushing order, close is rst', () => {
  const c = new Conn();
  const segs = dataSession(c).filter((_s, i) => i !== 6).slice(0, 8);
  const { ft, rec } = run([...segs, c.c(29, '', { flags: F.RST | F.ACK, ack: 24 })], { reorder_window_ms: 60_000 }, false);
  // K2: the lost client segment may still arrive within the window after the RST; then it is a gap.
  assert.deepEqual(order(rec).slice(3), []);
  ft.tick(c.ts + 60_000_000);
  assert.deepEqual(order(rec).slice(3), ['c2s:<gap 14>', 'c2s:body\r\n.\r\n', 's2c:250 ok\r\n']);
  assert.equal(rec.of('close')[0]!.reason, 'rst');
});

test('per-flow budget: deferring up to the cap waits, one byte past it forces the gap (flow_memcap)', () => {
  for (const extra of [0, 1]) {
    const c = new Conn();
    const segs = dataSession(c).filter((_s, i) => i !== 6).slice(0, 7); // body held: 9 bytes
    const big = 'x'.repeat(1024 + extra); // the server side's deferred bytes against per_flow_holdback_kb
    const { ft, rec } = run([...segs, c.s(16, big, { ack: 29 })], { reorder_window_ms: 60_000, per_flow_holdback_kb: 1 }, false);
    if (extra === 0) {
      assert.equal(ft.stats().holdbackBytes, 9 + 1024, 'held body plus the deferred reply, both in the budget');
      assert.deepEqual(rec.anomalies(), []);
      assert.ok(!order(rec).some((e) => e.startsWith('s2c:x')));
    } else {
      assert.deepEqual(rec.anomalies(), ['flow_memcap']);
      assert.deepEqual(order(rec).slice(3), ['c2s:<gap 14>', 'c2s:body\r\n.\r\n', `s2c:${big}`]);
      assert.equal(ft.stats().memcapDrops, 14);
      assert.equal(ft.stats().holdbackBytes, 0);
    }
  }
});

test("per-flow budget counts the side's held and deferred bytes together", () => {
  const c = new Conn();
  const segs = dataSession(c).filter((_s, i) => i !== 6).slice(0, 7);
  // Server bytes 16..116 lost; 950 bytes after them held (old ACK, not deferred); then 100 more
  // that acknowledge the missing client bytes: deferred, 950 + 100 > 1024.
  const ahead = 'a'.repeat(950);
  const more = 'b'.repeat(100);
  const { ft, rec } = run([...segs, c.s(116, ahead, { ack: 6 }), c.s(1066, more, { ack: 29 })], { reorder_window_ms: 60_000, per_flow_holdback_kb: 1 }, false);
  // The client's hole goes first; then the released bytes overflow the server's own holdback.
  assert.deepEqual(rec.anomalies(), ['flow_memcap', 'flow_memcap']);
  assert.deepEqual(order(rec).slice(3), ['c2s:<gap 14>', 'c2s:body\r\n.\r\n', 's2c:<gap 100>', `s2c:${ahead}`, `s2c:${more}`]);
  assert.equal(ft.stats().holdbackBytes, 0);
});

test('global budget (memcap_mb) exhausted by another flow forces the gap too', () => {
  const c = new Conn();
  const other = new Conn('10.0.0.9:40001', '10.0.0.2:25');
  const segs = dataSession(c).filter((_s, i) => i !== 6).slice(0, 7);
  const hog = [...other.handshake(), other.c(10, 'y'.repeat(1024 * 1024 - 9))]; // 1 MiB minus the held body, held
  const { ft, rec } = run([...hog, ...segs, c.s(16, '250 ok\r\n', { ack: 29 })], { reorder_window_ms: 60_000, memcap_mb: 1, per_flow_holdback_kb: 2048 }, false);
  assert.deepEqual(rec.anomalies(), ['flow_memcap']);
  assert.ok(order(rec).indexOf('c2s:<gap 14>') < order(rec).indexOf('s2c:250 ok\r\n'));
  assert.equal(ft.stats().holdbackBytes, 1024 * 1024 - 9);
});

test('one-sided flow (the peer never seen): an ACK far ahead never blocks', () => {
  const seg = (seq: number, ack: number, data: string): DecodedSegment =>
    mkSeg({ src: '10.0.0.1:40000', dst: '10.0.0.2:25', seq, ack, flags: F.ACK | F.PSH, payload: data });
  const { ft, rec } = run([seg(100, 900_000, 'MAIL FROM:<a@b>\r\n'), seg(117, 900_500, 'RCPT TO:<c@d>\r\n')], {}, false);
  // No SYN: the bytes wait the reorder window for one (K1), then go.
  assert.deepEqual(order(rec), []);
  ft.tick(T0 + PAST_WINDOW);
  assert.deepEqual(order(rec), ['c2s:MAIL FROM:<a@b>\r\n', 'c2s:RCPT TO:<c@d>\r\n']);
});

test("an ACK of the peer's FIN does not wait for a byte the FIN does not carry", () => {
  const c = new Conn();
  const segs = [
    ...c.handshake(),
    c.s(0, '220 mx\r\n'),
    c.c(0, 'QUIT\r\n', { ack: 8, flags: F.ACK | F.PSH | F.FIN }),
    c.s(8, '221 bye\r\n', { ack: 7 }), // acknowledges QUIT and the FIN
  ];
  const { rec } = run(segs, {}, false);
  assert.deepEqual(order(rec), ['s2c:220 mx\r\n', 'c2s:QUIT\r\n', 's2c:221 bye\r\n']);
});

test('a deferred segment is delivered with its own packet time, not the releasing segment\'s (issue 8)', () => {
  // The server's 250 overtook the client's last body segment; once released it must still carry
  // the time it was captured at (the reordered variants of test/impaired found the filler's time).
  const segs = dataSession(new Conn());
  const swapped = [...segs];
  [swapped[7], swapped[8]] = [swapped[8]!, swapped[7]!];
  const { rec } = run(swapped);
  const reply = rec.of('data').find((e) => e.bytes.toString('latin1') === '250 ok\r\n');
  assert.ok(reply);
  assert.equal(reply.tsMicros, segs[8]!.tsMicros);
  assert.notEqual(reply.tsMicros, segs[7]!.tsMicros);
});
