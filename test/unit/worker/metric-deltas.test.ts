import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricDeltaAccumulator, foldMechanism, foldTlsVersion, foldVerb, replyClass } from '../../../src/worker/metric-deltas.js';
import { Metrics } from '../../../src/output/metrics.js';

test('take() returns null when nothing happened, and resets after a report', () => {
  const a = new MetricDeltaAccumulator();
  assert.equal(a.take(), null);
  a.command('mail');
  const d = a.take();
  assert.deepEqual(d, { v: 1, counters: { 'smtp_commands_total\x1fMAIL': 1 }, messageBytes: [] });
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
  assert.equal(d.counters['smtp_commands_total\x1fRCPT'], 2);
  assert.equal(d.counters['smtp_commands_total\x1fother'], 1);
  assert.equal(d.counters['smtp_auth_total\x1fLOGIN\x1fsuccess\x1ftrue'], 1);
  assert.equal(d.counters['smtp_auth_total\x1fother\x1funknown\x1ffalse'], 1);
  assert.equal(d.counters['smtp_sessions_total\x1fnone'], 1);
  assert.equal(d.counters['smtp_incomplete_transactions_total'], 1);
  assert.equal(d.counters['mime_parts_total'], 3);
  assert.deepEqual(d.messageBytes, [500]);
  // Issue 16: smtp_tls_total{version, outcome}; a version a peer invented is `other`, none `unknown`.
  assert.equal(d.counters['smtp_tls_total\x1fTLSv1.2\x1festablished'], 1);
  assert.equal(d.counters['smtp_tls_total\x1funknown\x1ffailed'], 1);
  assert.equal(d.counters['smtp_tls_total\x1fother\x1funknown'], 1);
  const m = new Metrics({ defaultMetrics: false });
  m.applyDeltas(d);
  assert.equal(m.rejectedDeltas, 0);
});
