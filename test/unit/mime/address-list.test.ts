import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnomalySet } from '../../../src/mime/anomaly-set.js';
import { parseAddressList } from '../../../src/mime/address-list.js';

const parse = (raw: string, max = 1000) => parseAddressList(raw, max, new AnomalySet());

test('quoted and encoded display names', () => {
  assert.deepEqual(parse('"=?gb2312?B?26zQocHB?=" <gaoxl@legendsec.com>'), [{ name: '郜小亮', address: 'gaoxl@legendsec.com' }]);
  assert.deepEqual(parse('"Smith, John" <j@x.org>, Jane Doe <jane@x.org>'), [
    { name: 'Smith, John', address: 'j@x.org' },
    { name: 'Jane Doe', address: 'jane@x.org' },
  ]);
});

test('comments give the name of a bare address; groups are flattened', () => {
  assert.deepEqual(parse('carol@x.org (Carol C)'), [{ name: 'Carol C', address: 'carol@x.org' }]);
  assert.deepEqual(parse('Team: a@x.org, "B" <b@x.org>;, c@x.org'), [
    { address: 'a@x.org' },
    { name: 'B', address: 'b@x.org' },
    { address: 'c@x.org' },
  ]);
  assert.deepEqual(parse('undisclosed-recipients:;'), []);
});

test('obsolete forms: routes and CFWS around @', () => {
  assert.deepEqual(parse('<@a.example,@b.example:dave@x.org>'), [{ address: 'dave@x.org' }]);
  assert.deepEqual(parse('eve @ example . com'), [{ address: 'eve@example.com' }]);
});

test('addresses are capped per header', () => {
  assert.equal(parse('a@x, b@x, c@x', 2).length, 2);
  assert.equal(parse('a@x, b@x', 2).length, 2);
});

test('garbage yields what it can and never throws', () => {
  assert.deepEqual(parse('John Smith'), [{ name: 'John Smith', address: '' }]);
  for (const g of ['<', '>', '"', '(', ',,,', ':;:;', '<<<@>>>', '\u0000\u00ff', '"a\\']) assert.doesNotThrow(() => parse(g));
});
