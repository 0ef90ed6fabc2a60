import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricDeltaAccumulator, foldMechanism, foldTlsVersion, foldVerb, replyClass } from '../../../src/worker/metric-deltas.js';
import { Metrics } from '../../../src/output/metrics.js';
import { deltaOf } from '../../../src/dispatch/metric-deltas.js';

test('take() returns null when nothing happened, and resets after a report', () => {
  const a = new MetricDeltaAccumulator();
  assert.equal(a.take(), null);
  a.command('mail');
  a.command('MAIL');
  const d = a.take();
  // Typed keys (issue 12): the metric's name and its label values, one entry per series.
  assert.deepEqual(d, { v: 2, counters: [{ name: 'smtp_commands_total', labels: ['MAIL'], n: 2 }], messageBytes: [] });
  assert.equal(a.take(), null);
});

test('attacker-controlled labels are folded into fixed sets', () => {
  assert.equal(foldVerb('ehlo'), 'EHLO');
  assert.equal(foldVerb('XYZZY'), 'other');
  assert.equal(foldVerb('\u0000GET'), 'other');
  assert.equal(foldMechanism('cram-md5'), 'CRAM-MD5');
  assert.equal(foldMechanism('X-EVIL-1234'), 'other');
  assert.equal(replyClass(250), '2xx');
  assert.equal(replyClass(354), '3xx');
  assert.equal(replyClass(421), '4xx');
  assert.equal(replyClass(599), '5xx');
  assert.equal(replyClass(199), null);
  assert.equal(replyClass(600), null);
  assert.equal(foldTlsVersion('TLSv1.3'), 'TLSv1.3');
  assert.equal(foldTlsVersion('0x7f1c'), 'other');
  assert.equal(foldTlsVersion(undefined), 'unknown');
});

test('every increment the accumulator makes is accepted by Metrics.applyDeltas', () => {
  const a = new MetricDeltaAccumulator();
  a.command('RCPT');
  a.command('RCPT');
  a.command('bogus');
  a.reply(250);
  a.reply(999);
  a.auth('login', 'success', true);
  a.auth('weird', 'unknown', false);
  a.anomaly('smtp_bare_lf');
  a.session(undefined);
  a.session('succeeded');
  a.transaction('incomplete', 3, 1, 500);
  a.transaction('accepted', 0, 0, null);
  a.tls('TLSv1.2', 'established');
  a.tls(undefined, 'failed');
  a.tls('0x7f1c', 'unknown');
  const d = a.take();
  assert.ok(d !== null);
  assert.equal(deltaOf(d, 'smtp_commands_total', 'RCPT'), 2);
  assert.equal(deltaOf(d, 'smtp_commands_total', 'other'), 1);
  assert.equal(deltaOf(d, 'smtp_auth_total', 'LOGIN', 'success', 'true'), 1);
  assert.equal(deltaOf(d, 'smtp_auth_total', 'other', 'unknown', 'false'), 1);
  assert.equal(deltaOf(d, 'smtp_sessions_total', 'none'), 1);
  assert.equal(deltaOf(d, 'smtp_incomplete_transactions_total'), 1);
  assert.equal(deltaOf(d, 'mime_parts_total'), 3);
  assert.deepEqual(d.messageBytes, [500]);
  // Issue 16: smtp_tls_total{version, outcome}; a version a peer invented is `other`, none `unknown`.
  assert.equal(deltaOf(d, 'smtp_tls_total', 'TLSv1.2', 'established'), 1);
  assert.equal(deltaOf(d, 'smtp_tls_total', 'unknown', 'failed'), 1);
  assert.equal(deltaOf(d, 'smtp_tls_total', 'other', 'unknown'), 1);
  const m = new Metrics({ defaultMetrics: false });
  m.applyDeltas(d);
  assert.equal(m.rejectedDeltas, 0);
});
