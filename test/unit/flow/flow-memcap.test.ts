import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { FLOW_STATE_BYTES } from '../../../src/flow/holdback.js';
import { Conn, Recorder, T0, flowsConfig } from '../../helpers/segments.js';
import { measureIdle } from '../../helpers/idle-memory.js';

// Issue 13 item 12: the open connections' state counts against flows.memcap_mb (FLOW_STATE_BYTES
// each; held bytes keep their own cap, see HoldbackBudget); a new connection that would pass it
// evicts the least recently used one, counted as an eviction (close `evicted`, flow_evicted naming
// the limit, mailtap_flows_total{close="evicted"}).

/** memcap_mb 1: room for exactly this many connections. */
const FIT = (1024 * 1024) / FLOW_STATE_BYTES;

function conn(i: number): Conn {
  return new Conn(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:40000`, '10.255.0.1:25', 100, 200, T0 + i * 1000);
}

function table(over = {}) {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig({ memcap_mb: 1, ...over }), smtpPorts: [25] }, rec);
  return { ft, rec };
}

test('memcap_mb: connections whose state fills it exactly are all kept; one more evicts the least recently used', () => {
  const { ft, rec } = table();
  const conns = Array.from({ length: FIT + 1 }, (_, i) => conn(i + 1));
  for (const c of conns.slice(0, FIT)) for (const s of c.handshake()) ft.onSegment(s);
  assert.equal(ft.stats().flowsActive, FIT);
  assert.equal(rec.of('close').length, 0);
  assert.deepEqual(rec.anomalies().filter((a) => a === 'flow_evicted'), []);
  // The first connection talks: the second is now the least recently used.
  ft.onSegment(conns[0]!.c(0, 'EHLO a\r\n'));
  for (const s of conns[FIT]!.handshake()) ft.onSegment(s);
  const closes = rec.of('close');
  assert.equal(closes.length, 1);
  assert.equal(closes[0]!.reason, 'evicted');
  assert.equal(closes[0]!.flow, rec.of('open')[1]!.info.flow);
  const ev = rec.of('anomaly').filter((a) => a.name === 'flow_evicted');
  assert.equal(ev.length, 1);
  assert.equal(ev[0]!.detail, 'flows.memcap_mb (1) reached');
  assert.equal(ft.stats().flowsTotal.evicted, 1);
  assert.equal(ft.stats().flowsActive, FIT);
});

test('memcap_mb: a connection that closed gives its room back (no eviction after a FIN)', () => {
  const { ft, rec } = table();
  for (let i = 1; i <= FIT; i++) for (const s of conn(i).handshake()) ft.onSegment(s);
  const c = conn(1);
  ft.onSegment(c.c(0, '', { flags: 0x11 }));
  ft.onSegment(c.s(0, '', { flags: 0x11, ack: 1 }));
  // An ended connection waits one reorder window for late packets (issue 13 item 9), then closes.
  ft.tick(c.ts + 1_000_000);
  assert.deepEqual(rec.of('close').map((e) => e.reason), ['fin']);
  for (const s of conn(FIT + 1).handshake()) ft.onSegment(s);
  assert.equal(ft.stats().flowsTotal.evicted, 0);
  assert.equal(ft.stats().flowsActive, FIT);
});

test('memcap_mb: held-back bytes never evict a connection (they have their own cap: holes become gaps)', () => {
  const { ft, rec } = table({ per_flow_holdback_kb: 1024 });
  const hog = conn(1);
  for (const s of hog.handshake()) ft.onSegment(s);
  ft.onSegment(hog.c(1, Buffer.alloc(1024 * 1024 - 10, 0x61))); // out of order: held, the cap nearly full
  assert.equal(ft.stats().holdbackBytes, 1024 * 1024 - 10);
  // The holder is the least recently used from here on: state for FIT connections still fits.
  for (let i = 2; i <= FIT; i++) for (const s of conn(i).handshake()) ft.onSegment(s);
  assert.equal(ft.stats().flowsTotal.evicted, 0);
  assert.equal(ft.stats().flowsActive, FIT);
  assert.equal(ft.stats().holdbackBytes, 1024 * 1024 - 10);
  assert.deepEqual(rec.anomalies(), []);
  // One past it: the least recently used connection that never carried a byte goes (as for
  // max_flows), not the holder, which is older but carries bytes; its held bytes stay.
  for (const s of conn(FIT + 1).handshake()) ft.onSegment(s);
  assert.deepEqual(rec.of('close').map((e) => [e.flow, e.reason]), [[rec.of('open')[1]!.info.flow, 'evicted']]);
  assert.equal(ft.stats().holdbackBytes, 1024 * 1024 - 10);
});

test('max_flows still applies first: at most one eviction per new connection', () => {
  const { ft } = table({ max_flows: 10 });
  for (let i = 1; i <= 11; i++) for (const s of conn(i).handshake()) ft.onSegment(s);
  assert.equal(ft.stats().flowsTotal.evicted, 1);
  assert.equal(ft.stats().flowsActive, 10);
});

test(`FLOW_STATE_BYTES (${FLOW_STATE_BYTES}) is within 25% of the measured main-thread cost of an idle SMTP session`, () => {
  // FlowTable and SmtpGate for 10,000 connections (handshake, banner, EHLO, reply), heap after a
  // full GC in a child process run with --expose-gc.
  const m = measureIdle('main', 10_000);
  assert.ok(m.totalPerFlow <= FLOW_STATE_BYTES * 1.25 && m.totalPerFlow >= FLOW_STATE_BYTES * 0.75, `main thread: ${m.totalPerFlow} bytes per idle connection`);
});
