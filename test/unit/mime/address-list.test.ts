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

test('the simple-list path gives exactly what the full parser gives (generated lists, hostile pieces)', async () => {
  const { parseAddressListFully } = await import('../../../src/mime/address-list.js');
  // Pieces of address lists, the simple shapes and the characters that must send a list to the
  // tokenizer or change its reading: brackets out of place, commas in brackets, spaces, routes.
  const pieces = ['a@b.example', 'Bob', 'Li', ' ', '\t', '<', '>', ',', '<c@d.example>', '=?utf-8?B?w6k=?=',
    '@', 'x', '"', '(', ')', ':', ';', '\\', '\r\n ', ' <', '> ', '<@r.example', '\u00a0', 'é',
    '"Smith, John" ', '"A (b) <c>: d;" ', '""', '"=?gb2312?B?z8LW3A==?=" ', '"x\\"y" '];
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let simple = 0;
  for (let t = 0; t < 40_000; t++) {
    let raw = '';
    const n = 1 + rnd(8);
    for (let k = 0; k < n; k++) raw += pieces[rnd(pieces.length)];
    for (const max of [1, 2, 1000]) {
      const a = new AnomalySet();
      const b = new AnomalySet();
      const got = parseAddressList(raw, max, a);
      assert.deepEqual(got, parseAddressListFully(raw, max, b), JSON.stringify(raw));
      assert.deepEqual(a.list(), b.list(), JSON.stringify(raw));
    }
    if (!/["():;]/.test(raw)) simple++;
  }
  assert.ok(simple > 5_000, `only ${simple} lists without tokenizer characters`);
  // And the shapes of real mail, by hand.
  assert.deepEqual(parse('Bob Li <bob@x.org>, carol@x.org,  <d@x.org> '), [
    { name: 'Bob Li', address: 'bob@x.org' },
    { address: 'carol@x.org' },
    { address: 'd@x.org' },
  ]);
  assert.deepEqual(parse('A <a@x.org>, B <b@x.org>', 1), [{ name: 'A', address: 'a@x.org' }]);
  assert.deepEqual(parse('"Li, Wei" <li@x.org>, "" <e@x.org>, " Bo (x) " <bo@x.org>'), [
    { name: 'Li, Wei', address: 'li@x.org' },
    { address: 'e@x.org' },
    { name: 'Bo (x)', address: 'bo@x.org' },
  ]);
});
