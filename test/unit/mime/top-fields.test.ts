import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TopFields } from '../../../src/mime/top-fields.js';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';

test('only event fields are wanted; singles keep the first, Received keeps all', () => {
  const t = new TopFields();
  assert.equal(t.wants('x-spam'), false);
  for (const [n, v] of [['subject', 'a'], ['subject', 'b'], ['received', 'r1'], ['received', 'r2']] as const) t.field(n, v);
  assert.equal(t.get('subject'), 'a');
  assert.deepEqual(t.received, ['r1', 'r2']);
});

test('the anomaly set records each name once, in order', () => {
  const s = new AnomalySet();
  s.add('mime_gap');
  s.add('mime_invalid_qp');
  s.add('mime_gap');
  assert.deepEqual(s.list(), ['mime_gap', 'mime_invalid_qp']);
});
