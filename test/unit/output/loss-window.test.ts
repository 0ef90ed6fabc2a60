import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { Metrics } from '../../../src/output/metrics.js';
import { LossWindow } from '../../../src/output/loss-window.js';
import { Conn, Recorder, flowsConfig } from '../../helpers/segments.js';

// Issue 14 item 3 (SPEC §4): after a lossy burst mailtap_capture_loss_ratio kept its value on an
// idle link and the critical alert fired with no loss happening. The gauge now covers a sliding
// window of metrics.loss_window_s and reads 0 once the window saw no acknowledged bytes, while the
// counters gap_bytes_total and tcp_acked_bytes_total keep their totals for PromQL.

async function value(m: Metrics, name: string): Promise<number> {
  const metric = m.registry.getSingleMetric(`mailtap_${name}`);
  assert.ok(metric !== undefined, name);
  const got = await metric.get(); // a scrape: runs the gauge's collect
  return got.values[0]?.value ?? Number.NaN;
}

/** One connection through a real FlowTable: `lost` client bytes never seen but ACKed, then `kept` seen. */
function lossyConnection(ft: FlowTable, c: Conn, lost: number, kept: number): void {
  for (const s of c.handshake()) ft.onSegment(s);
  ft.onSegment(c.c(lost, 'x'.repeat(kept)));
  ft.onSegment(c.s(0, '', { ack: lost + kept }));
  ft.tick(c.ts + 200_000); // past the 100 ms reorder window: the hole becomes a gap
}

test('a lossy burst, then idle: the gauge returns to 0 after the window, the counters keep their totals', async () => {
  let nowMs = 1_000_000;
  const m = new Metrics({ defaultMetrics: false, lossWindowS: 60, now: () => nowMs });
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 't' }, new Recorder());
  assert.equal(await value(m, 'capture_loss_ratio'), 0, 'nothing acknowledged yet');

  lossyConnection(ft, new Conn('10.0.0.1:40000', '10.0.0.2:25'), 600, 400);
  m.updateFlowStats(ft.stats());
  assert.equal(await value(m, 'capture_loss_ratio'), 0.6);
  assert.equal(await value(m, 'gap_bytes_total'), 600);
  assert.equal(await value(m, 'tcp_acked_bytes_total'), 1000);

  nowMs += 30_000; // idle, still inside the window: the burst still counts
  m.updateFlowStats(ft.stats());
  assert.equal(await value(m, 'capture_loss_ratio'), 0.6);

  nowMs += 30_001; // idle past the window: no acknowledged bytes in it, so 0 (was stuck at 0.6)
  assert.equal(await value(m, 'capture_loss_ratio'), 0, 'a scrape alone slides the window');
  m.updateFlowStats(ft.stats());
  assert.equal(await value(m, 'capture_loss_ratio'), 0);
  assert.equal(await value(m, 'gap_bytes_total'), 600, 'the counters keep their totals');
  assert.equal(await value(m, 'tcp_acked_bytes_total'), 1000);

  // A clean connection later: the window holds only it.
  lossyConnection(ft, new Conn('10.0.0.3:40001', '10.0.0.2:25'), 0, 500);
  m.updateFlowStats(ft.stats());
  assert.equal(await value(m, 'capture_loss_ratio'), 0);
  assert.equal(await value(m, 'tcp_acked_bytes_total'), 1500);
});

test('metrics.loss_window_s sets the window: 10 s forgets a burst that 60 s keeps', async () => {
  let nowMs = 0;
  const short = new Metrics({ defaultMetrics: false, lossWindowS: 10, now: () => nowMs });
  const long = new Metrics({ defaultMetrics: false, lossWindowS: 60, now: () => nowMs });
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 't' }, new Recorder());
  lossyConnection(ft, new Conn(), 100, 300);
  short.updateFlowStats(ft.stats());
  long.updateFlowStats(ft.stats());
  nowMs = 10_000; // exactly the window's length later: the step at 0 has left a 10 s window
  assert.equal(await value(short, 'capture_loss_ratio'), 0);
  assert.equal(await value(long, 'capture_loss_ratio'), 0.25);
  nowMs = 9_999;
  assert.equal(new LossWindow(10_000).ratio(nowMs), 0);
});

test('LossWindow: mixes steps inside the window, drops those outside, never above 1', () => {
  const w = new LossWindow(1000);
  w.add(0, 100, 50);
  w.add(500, 300, 0);
  assert.equal(w.ratio(500), 50 / 400);
  assert.equal(w.ratio(1000), 0, 'the step at 0 is out of (0, 1000]; the one at 500 had no loss');
  w.add(1200, 10, 20); // more missing than acknowledged cannot exceed 1
  assert.equal(w.ratio(1200), 20 / 310, 'the step at 500 is still inside (200, 1200]');
  assert.equal(w.ratio(1600), 1, 'only the step at 1200 is inside (600, 1600]');
  assert.equal(w.ratio(5000), 0);
  for (let i = 0; i < 5000; i++) w.add(6000 + i, 1, 0);
  assert.equal(w.ratio(11_000), 0);
});
