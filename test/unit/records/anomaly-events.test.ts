import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalyEventLimiter } from '../../../src/records/anomaly-events.js';
import { ANOMALIES } from '../../../src/shared/anomalies.js';

test('event anomalies are admitted up to the limit and not one more', () => {
  const limit = 5;
  const l = new AnomalyEventLimiter(limit);
  for (let i = 0; i < limit; i++) assert.equal(l.admit('flow_gap'), true, `occurrence ${i + 1}`);
  assert.equal(l.admit('flow_gap'), false, 'limit + 1');
  assert.equal(l.admit('smtp_bare_lf'), false, 'the budget is per connection, not per name');
  assert.equal(l.written, limit);
  assert.equal(l.suppressed, 2);
});

test('anomalies not marked `event` never become events and do not use the budget', () => {
  assert.equal(ANOMALIES.flow_midstream.event, false);
  const l = new AnomalyEventLimiter(1);
  assert.equal(l.admit('flow_midstream'), false);
  assert.equal(l.admit('smtp_unknown_command'), false);
  assert.equal(l.suppressed, 0);
  assert.equal(l.admit('flow_gap'), true);
});

test('a limit of 0 writes no anomaly event', () => {
  const l = new AnomalyEventLimiter(0);
  assert.equal(l.admit('flow_gap'), false);
  assert.equal(l.suppressed, 1);
});
