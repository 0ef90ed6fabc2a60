import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSignals, domainOf } from '../../../src/mime/signals.js';

test('domainOf lower-cases the part after the last @', () => {
  assert.equal(domainOf('A@B@Example.COM.'), 'example.com');
  assert.equal(domainOf('nobody'), undefined);
});

test('each signal fires on its own condition only', () => {
  const from = [{ name: 'Bank', address: 'x@bank.example' }];
  assert.deepEqual(computeSignals({ mailFrom: 'bounce@bank.example', from, replyTo: undefined, typeMismatch: false }), []);
  assert.deepEqual(computeSignals({ mailFrom: 'a@other.example', from, replyTo: undefined, typeMismatch: false }), ['envelope_from_mismatch']);
  assert.deepEqual(computeSignals({ mailFrom: '', from, replyTo: undefined, typeMismatch: false }), [], 'null sender');
  assert.deepEqual(computeSignals({ mailFrom: undefined, from, replyTo: [{ address: 'r@elsewhere.example' }], typeMismatch: false }), ['reply_to_differs']);
  assert.deepEqual(computeSignals({ mailFrom: undefined, from: [{ name: 'ceo@bank.example', address: 'x@evil.example' }], replyTo: undefined, typeMismatch: false }), ['display_name_has_address']);
  assert.deepEqual(computeSignals({ mailFrom: undefined, from: [{ name: 'x@evil.example', address: 'X@evil.example' }], replyTo: undefined, typeMismatch: false }), [], 'same address in the name');
  assert.deepEqual(computeSignals({ mailFrom: undefined, from: undefined, replyTo: undefined, typeMismatch: true }), ['attachment_type_mismatch']);
});
