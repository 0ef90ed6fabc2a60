import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics } from '../../../src/output/metrics.js';
import { REPO_ROOT } from '../../helpers/paths.js';

// The dashboard and the alerts name metrics as free text: a renamed metric would leave a blank
// panel or an alert that never fires. Every name they use must be one the registry exports.

const ARTIFACTS = ['config/grafana/mailtap.json', 'config/prometheus/alerts.yml', 'config/prometheus/alerts.test.yml'];
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

function exportedNames(): Set<string> {
  const metrics = new Metrics({ defaultMetrics: true });
  const names = new Set<string>();
  for (const m of metrics.registry.getMetricsAsArray()) {
    const { name, type } = m as unknown as { name: string; type: string };
    names.add(name);
    if (type === 'histogram') for (const s of HISTOGRAM_SUFFIXES) names.add(name + s);
  }
  metrics.stop();
  return names;
}

function referenced(text: string, prefix: RegExp): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(prefix)) out.add(m[0]);
  return out;
}

test('the registry exports every SPEC §4 metric the artifacts are checked against', () => {
  const names = exportedNames();
  for (const n of ['mailtap_packets_total', 'mailtap_message_bytes_bucket', 'mailtap_capture_loss_ratio', 'process_resident_memory_bytes']) {
    assert.ok(names.has(n), n);
  }
});

for (const file of ARTIFACTS) {
  test(`${file} names only metrics mailtap exports`, () => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    const names = exportedNames();
    const mailtap = referenced(text, /\bmailtap_[a-z0-9_]+/g);
    assert.ok(mailtap.size >= 3, `${file} references mailtap metrics`);
    // prom-client default process metrics are fair game too, by their exact names.
    const process = referenced(text, /\b(?:process|nodejs)_[a-z0-9_]+/g);
    const unknown = [...mailtap, ...process].filter((n) => !names.has(n));
    assert.deepEqual(unknown, [], `${file}: unknown metric names`);
  });
}

test('dashboard and alerts together cover the operator essentials', () => {
  const dash = readFileSync(join(REPO_ROOT, 'config/grafana/mailtap.json'), 'utf8');
  const alerts = readFileSync(join(REPO_ROOT, 'config/prometheus/alerts.yml'), 'utf8');
  for (const n of ['packets_total', 'capture_drops_total', 'gap_bytes_total', 'tcp_acked_bytes_total', 'flows_active', 'flows_total', 'smtp_sessions_total', 'smtp_transactions_total', 'smtp_auth_total', 'attachments_total', 'anomalies_total', 'worker_queue_bytes', 'event_loop_lag_seconds']) {
    assert.ok(dash.includes(`mailtap_${n}`), `dashboard shows mailtap_${n}`);
  }
  for (const n of ['gap_bytes_total', 'tcp_acked_bytes_total', 'capture_drops_total', 'worker_restarts_total', 'smtp_sessions_total']) {
    assert.ok(alerts.includes(`mailtap_${n}`), `an alert watches mailtap_${n}`);
  }
});

test('loss alerts and panels use the counters, never the windowed gauge (issue 14: it stuck on idle links)', () => {
  const dash = readFileSync(join(REPO_ROOT, 'config/grafana/mailtap.json'), 'utf8');
  const alerts = readFileSync(join(REPO_ROOT, 'config/prometheus/alerts.yml'), 'utf8');
  assert.ok(!/expr:[^\n]*mailtap_capture_loss_ratio|^\s+mailtap_capture_loss_ratio/m.test(alerts), 'no alert expression reads the gauge');
  assert.ok(!dash.includes('mailtap_capture_loss_ratio'), 'no panel reads the gauge');
  assert.match(alerts, /rate\(mailtap_gap_bytes_total\[\w+\]\)\)\s*\/ sum by \(instance\) \(rate\(mailtap_tcp_acked_bytes_total/);
});
