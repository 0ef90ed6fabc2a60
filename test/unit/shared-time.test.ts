import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isoMicros } from '../../src/shared/time.js';

test('isoMicros keeps six fractional digits', () => {
  assert.equal(isoMicros(1705309200123456), '2024-01-15T09:00:00.123456Z');
  assert.equal(isoMicros(1705309200000001), '2024-01-15T09:00:00.000001Z');
  assert.equal(isoMicros(0), '1970-01-01T00:00:00.000000Z');
});
