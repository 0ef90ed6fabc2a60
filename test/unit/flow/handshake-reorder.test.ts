// Issue 13 item 9: reordering around the handshake and the teardown. A SPAN feed delivers the two
// directions through different queues, so a connection's first data can arrive before its SYN or
// SYN-ACK, data can arrive after the RST that followed it, and the last ACK can come before or after
// the last FIN. Within flows.reorder_window_ms none of that may change what the connection reports
// (SPEC §7): K1 (data before its side's SYN/SYN-ACK was anchored on and earlier bytes lost), K2
// (bytes overtaken by the RST went to the tombstone), K3 (`end` was the closing packet's time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { Conn, F, Recorder, T0, flowsConfig } from '../../helpers/segments.js';
import type { DecodedSegment } from '../../../src/decode/types.js';
import type { FlowsConfig } from '../../../src/config/types.js';

/** Default window (100 ms): packet time past it. */
const PAST_WINDOW = 150_000;

function run(segs: DecodedSegment[], flows: Partial<FlowsConfig> = {}): { rec: Recorder; ft: FlowTable } {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(flows), smtpPorts: [25], uidPrefix: 'x' }, rec);
  for (const s of segs) ft.onSegment(s);
  ft.closeAll('eof');
  return { rec, ft };
}

/** A whole short session, in the order it was sent (timestamps 1 ms apart). */
function session(c: Conn): Record<string, DecodedSegment> {
  return {
    syn: c.syn(),
    synAck: c.synAck(),
    ack: c.c(0, '', { flags: F.ACK }),
    banner: c.s(0, '220 hi\r\n'),
    ehlo: c.c(0, 'EHLO a\r\n', { ack: 8 }),
    ok: c.s(8, '250 ok\r\n', { ack: 8 }),
    quit: c.c(8, 'QUIT\r\n', { ack: 16 }),
    bye: c.s(16, '221 bye\r\n', { ack: 14 }),
    sFin: c.s(25, '', { ack: 14, flags: F.FIN | F.ACK }),
    cFin: c.c(14, '', { ack: 26, flags: F.FIN | F.ACK }),
    last: c.s(26, '', { ack: 15, flags: F.ACK }),
  };
}

/** What a consumer of the stream events sees of one connection (everything the events carry). */
function view(rec: Recorder): unknown {
  const open = rec.of('open');
  assert.equal(open.length, 1, 'one connection');
  const flow = open[0]!.info.flow;
  const close = rec.of('close')[0]!;
  return {
    info: open[0]!.info,
    c2s: rec.stream(flow, 'c2s'),
    s2c: rec.stream(flow, 's2c'),
    anomalies: rec.anomalies(),
    reason: close.reason,
    summary: close.summary,
    // The packet time each byte run carries (an event's `ts` is that of its first packet).
    times: rec.of('data').map((e) => `${e.dir}@${e.tsMicros - T0}`),
  };
}

function inOrder(): unknown {
  const s = session(new Conn());
  return view(run(Object.values(s)).rec);
}

test('in order: the reference session (start at the SYN, end at the last ACK)', () => {
  const s = session(new Conn());
  const v = view(run(Object.values(s)).rec) as { c2s: string; s2c: string; summary: { startMicros: number; endMicros: number; midstream: boolean } };
  assert.equal(v.c2s, 'EHLO a\r\nQUIT\r\n');
  assert.equal(v.s2c, '220 hi\r\n250 ok\r\n221 bye\r\n');
  assert.equal(v.summary.startMicros, s['syn']!.tsMicros);
  assert.equal(v.summary.midstream, false);
  // K3: the last ACK after both FINs counts toward `end` (it is a packet of the connection).
  assert.equal(v.summary.endMicros, s['last']!.tsMicros);
});

test('K1: a server segment that overtakes the banner and the SYN-ACK loses nothing', () => {
  const s = session(new Conn());
  const order = [s['syn'], s['ok'], s['banner'], s['synAck'], s['ack'], s['ehlo'], s['quit'], s['bye'], s['sFin'], s['cFin'], s['last']];
  assert.deepEqual(view(run(order as DecodedSegment[]).rec), inOrder());
});

test('K1: client data before the SYN: not midstream, the banner first, start at the SYN', () => {
  const s = session(new Conn());
  const order = [s['ehlo'], s['syn'], s['banner'], s['synAck'], s['ack'], s['ok'], s['quit'], s['bye'], s['sFin'], s['cFin'], s['last']];
  assert.deepEqual(view(run(order as DecodedSegment[]).rec), inOrder());
});

test('K1: everything before the handshake, the SYN-ACK before the SYN', () => {
  const s = session(new Conn());
  const order = [s['quit'], s['ok'], s['ehlo'], s['banner'], s['ack'], s['synAck'], s['syn'], s['bye'], s['sFin'], s['last'], s['cFin']];
  assert.deepEqual(view(run(order as DecodedSegment[]).rec), inOrder());
});

test('K1: the SYN-ACK first and the server replies before any client packet: they wait for the client', () => {
  const s = session(new Conn());
  const order = [s['synAck'], s['banner'], s['ok'], s['bye'], s['syn'], s['ack'], s['ehlo'], s['quit'], s['sFin'], s['cFin'], s['last']];
  assert.deepEqual(view(run(order as DecodedSegment[]).rec), inOrder());
});

test('K1/K3: a SYN delayed past the end of its connection is its own (start), not a new connection', () => {
  const s = session(new Conn());
  const order = [s['synAck'], s['ack'], s['banner'], s['ehlo'], s['ok'], s['quit'], s['bye'], s['sFin'], s['cFin'], s['last'], s['syn']];
  assert.deepEqual(view(run(order as DecodedSegment[]).rec), inOrder());
});

test('K1: no SYN within the window: midstream, anchored at the lowest byte held, nothing dropped', () => {
  const c = new Conn();
  const ehlo = c.c(0, 'EHLO a\r\n', { ack: 8 });
  const mail = c.c(8, 'MAIL FROM:<a@b>\r\n', { ack: 16 });
  const { rec } = run([mail, ehlo, c.s(16, '250 ok\r\n', { ack: 25, ts: c.ts + PAST_WINDOW })]);
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.of('open')[0]!.info.midstream, true);
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO a\r\nMAIL FROM:<a@b>\r\n');
  assert.equal(rec.stream(flow, 's2c'), '250 ok\r\n');
  assert.equal(rec.of('close')[0]!.summary.startMicros, ehlo.tsMicros);
  assert.deepEqual(rec.anomalies(), ['flow_midstream']);
});

test('K1: a midstream pickup decides its roles on the lowest bytes of each side (the greeting), not on arrival', () => {
  // Ports that do not decide (neither is an SMTP port): the greeting does.
  const c = new Conn('10.0.0.1:40000', '10.0.0.2:2525');
  const banner = c.s(0, '220 hi\r\n');
  const ehlo = c.c(0, 'EHLO a\r\n', { ack: 8 });
  const ok = c.s(8, '250 ok\r\n', { ack: 8 });
  const { rec } = run([ok, ehlo, banner]);
  const info = rec.of('open')[0]!.info;
  assert.equal(info.server.port, 2525);
  assert.equal(rec.stream(info.flow, 's2c'), '220 hi\r\n250 ok\r\n');
  assert.equal(rec.stream(info.flow, 'c2s'), 'EHLO a\r\n');
});

test('K1: bytes held before the handshake count toward the holdback caps; past them the half is anchored', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig({ per_flow_holdback_kb: 1 }), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const c = new Conn();
  const chunk = 'x'.repeat(400);
  const segs = [0, 1, 2, 3].map((i) => c.c(i * 400, chunk, { ack: 0 }));
  // At the cap (1024 bytes): two segments held (800 bytes).
  ft.onSegment(segs[1]!);
  ft.onSegment(segs[2]!);
  assert.equal(ft.stats().holdbackBytes, 800);
  assert.equal(rec.of('data').length, 0, 'held, nothing delivered yet');
  // One past it: the half is anchored at what it holds and delivery starts (no byte lost).
  ft.onSegment(segs[3]!);
  assert.ok(ft.stats().holdbackBytes <= 1024, String(ft.stats().holdbackBytes));
  ft.onSegment(segs[0]!);
  ft.closeAll('eof');
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), chunk.repeat(3));
  assert.equal(ft.stats().holdbackBytes, 0);
});

test('K2: client data overtaken by its own RST is kept (below the RST sequence number)', () => {
  const c = new Conn();
  const s = session(c);
  const rst = c.c(14, '', { ack: 25, flags: F.RST | F.ACK });
  const order = [s['syn'], s['synAck'], s['ack'], s['banner'], s['ehlo'], s['ok'], s['bye'], rst, s['quit']];
  const { rec } = run(order as DecodedSegment[]);
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO a\r\nQUIT\r\n');
  assert.equal(rec.stream(flow, 's2c'), '220 hi\r\n250 ok\r\n221 bye\r\n');
  const close = rec.of('close')[0]!;
  assert.equal(close.reason, 'rst');
  assert.equal(close.summary.gapBytes, 0);
  assert.equal(close.summary.endMicros, s['quit']!.tsMicros > rst.tsMicros ? s['quit']!.tsMicros : rst.tsMicros);
});

test('K2: server data the RST acknowledges, arriving after it, is kept; the same events as in order', () => {
  const mk = (): [DecodedSegment[], DecodedSegment] => {
    const c = new Conn();
    const s = session(c);
    const rst = c.c(14, '', { ack: 25, flags: F.RST | F.ACK });
    return [[s['syn'], s['synAck'], s['ack'], s['banner'], s['ehlo'], s['ok'], s['quit'], s['bye']] as DecodedSegment[], rst];
  };
  const [a, rstA] = mk();
  const ref = view(run([...a, rstA]).rec);
  const [b, rstB] = mk();
  const bye = b.pop()!;
  assert.deepEqual(view(run([...b, rstB, bye]).rec), ref);
});

test('K2: bytes at or beyond the RST sequence number are not stream data', () => {
  const c = new Conn();
  const s = session(c);
  const rst = c.c(8, '', { ack: 16, flags: F.RST | F.ACK });
  const after = c.c(8, 'RSET\r\n', { ack: 16 });
  const { rec } = run([s['syn'], s['synAck'], s['ack'], s['banner'], s['ehlo'], s['ok'], rst, after] as DecodedSegment[]);
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO a\r\n');
  assert.equal(rec.of('close')[0]!.reason, 'rst');
});

test('K3: the last ACK before or after the last FIN gives the same `end`', () => {
  const s = session(new Conn());
  const swapped = [s['syn'], s['synAck'], s['ack'], s['banner'], s['ehlo'], s['ok'], s['quit'], s['bye'], s['sFin'], s['last'], s['cFin']];
  assert.deepEqual(view(run(swapped as DecodedSegment[]).rec), inOrder());
});

test('K3: the close waits for the reorder window of packet time, then goes (tick), and a late packet counts', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const s = session(new Conn());
  for (const k of ['syn', 'synAck', 'ack', 'banner', 'ehlo', 'ok', 'quit', 'bye', 'sFin', 'cFin']) ft.onSegment(s[k]!);
  assert.equal(rec.of('close').length, 0, 'both FINs delivered: the close waits for late packets');
  ft.onSegment(s['last']!);
  ft.tick(s['last']!.tsMicros + 50_000);
  assert.equal(rec.of('close').length, 0);
  ft.tick(s['last']!.tsMicros + PAST_WINDOW);
  const close = rec.of('close');
  assert.equal(close.length, 1);
  assert.equal(close[0]!.reason, 'fin');
  assert.equal(close[0]!.summary.endMicros, s['last']!.tsMicros);
  assert.equal(ft.stats().flowsActive, 0);
});

test('K3: with reorder_window_ms 0 the FIN close is immediate, as before', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig({ reorder_window_ms: 0 }), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const s = session(new Conn());
  for (const k of ['syn', 'synAck', 'ack', 'banner', 'ehlo', 'ok', 'quit', 'bye', 'sFin', 'cFin']) ft.onSegment(s[k]!);
  assert.equal(rec.of('close').length, 1);
  assert.equal(rec.of('close')[0]!.summary.endMicros, s['cFin']!.tsMicros);
});

test('a new SYN on the 4-tuple of a connection waiting to close: the old one closes, the new one opens', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const s = session(new Conn());
  for (const seg of Object.values(s)) ft.onSegment(seg);
  const again = new Conn('10.0.0.1:40000', '10.0.0.2:25', 90_000, 70_000, s['last']!.tsMicros + 1000);
  ft.onSegment(again.syn());
  assert.equal(rec.of('close').length, 1);
  assert.equal(rec.of('open').length, 2);
  assert.equal(rec.of('open')[1]!.info.midstream, false);
});

test('a connection waiting to close and evicted for room: its own reason, no flow_evicted, no tombstone', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig({ max_flows: 1 }), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const s = session(new Conn());
  for (const seg of Object.values(s)) ft.onSegment(seg);
  const other = new Conn('10.0.0.9:40001', '10.0.0.2:25', 1000, 5000, s['last']!.tsMicros + 1000);
  ft.onSegment(other.syn());
  const close = rec.of('close');
  assert.equal(close.length, 1);
  assert.equal(close[0]!.reason, 'fin');
  assert.deepEqual(rec.anomalies(), []);
  assert.equal(ft.stats().flowsActive, 1);
  // No tombstone took the room: a third connection evicts the open one (max_flows 1).
  ft.onSegment(new Conn('10.0.0.8:40002', '10.0.0.2:25', 1000, 5000, other.ts + 1000).syn());
  assert.equal(ft.stats().flowsActive, 1);
  assert.equal(ft.stats().flowsTotal.evicted, 1);
});

test('a SYN waiting for its SYN-ACK holds nothing: still the first to go when max_flows is reached (SYN flood)', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig({ max_flows: 3 }), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const live = new Conn('10.0.0.1:40000', '10.0.0.2:25');
  for (const seg of [live.syn(), live.synAck(), live.c(0, '', { flags: F.ACK }), live.s(0, '220 hi\r\n')]) ft.onSegment(seg);
  // Half-open connections (SYN only, the server's ISN still unknown), more recent than the session.
  const syns = [1, 2, 3].map((i) => new Conn(`10.9.0.${i}:5000${i}`, '10.0.0.2:25', 100, 200, live.ts + i * 10));
  ft.onSegment(syns[0]!.syn());
  ft.onSegment(syns[1]!.syn());
  ft.onSegment(syns[2]!.syn());
  const close = rec.of('close');
  assert.equal(close.length, 1);
  assert.notEqual(close[0]!.flow, rec.of('open')[0]!.info.flow, 'the session that carried bytes survives');
});

test('a connection ignored (not SMTP) while it waits for the handshake holds nothing more', () => {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, rec);
  const s = session(new Conn());
  ft.onSegment(s['syn']!);
  ft.onSegment(s['banner']!); // before the SYN-ACK: held
  assert.equal(ft.stats().holdbackBytes, 8);
  ft.ignore(rec.of('open')[0]!.info.flow);
  assert.equal(ft.stats().holdbackBytes, 0);
  ft.onSegment(s['ok']!);
  assert.equal(ft.stats().holdbackBytes, 0, 'no copy kept for a flow nobody reads');
  ft.closeAll('eof');
  assert.equal(rec.of('close').length, 1);
});

test('K2: both FINs and an RST: the RST overtaking the last FIN gives the same close (fin) as in order', () => {
  const mk = (): Record<string, DecodedSegment> => {
    const c = new Conn();
    const s = session(c);
    // The client's FIN, then an RST from it (seq after the FIN's slot) instead of the last ACK.
    return { ...s, rst: c.c(15, '', { ack: 26, flags: F.RST | F.ACK }) };
  };
  const a = mk();
  const ref = view(run(['syn', 'synAck', 'ack', 'banner', 'ehlo', 'ok', 'quit', 'bye', 'sFin', 'cFin', 'rst'].map((k) => a[k]!)).rec) as { reason: string };
  assert.equal(ref.reason, 'fin');
  const b = mk();
  assert.deepEqual(view(run(['syn', 'synAck', 'ack', 'banner', 'ehlo', 'ok', 'quit', 'bye', 'sFin', 'rst', 'cFin'].map((k) => b[k]!)).rec), ref);
});
