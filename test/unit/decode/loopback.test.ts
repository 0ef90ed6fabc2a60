import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLoop, decodeNull } from '../../../src/decode/loopback.js';
import { NET_IPV4, NET_IPV6 } from '../../../src/decode/net-ref.js';
import { loopback, tcp4, tcp6 } from '../../helpers/frames.js';

test('NULL accepts AF_INET in either byte order', () => {
  assert.equal(decodeNull(loopback(tcp4(), 2, true)), NET_IPV4 | 4);
  assert.equal(decodeNull(loopback(tcp4(), 2, false)), NET_IPV4 | 4);
});

for (const family of [24, 28, 30]) {
  test(`NULL accepts AF_INET6 = ${family} in either byte order`, () => {
    assert.equal(decodeNull(loopback(tcp6(), family, true)), NET_IPV6 | 4);
    assert.equal(decodeNull(loopback(tcp6(), family, false)), NET_IPV6 | 4);
  });
}

test('NULL with another family (Linux AF_INET6 10, AF_UNIX 1) is not_tcp', () => {
  assert.equal(decodeNull(loopback(tcp6(), 10, true)), 'not_tcp');
  assert.equal(decodeNull(loopback(tcp4(), 1, false)), 'not_tcp');
});

test('LOOP reads the family in network order only', () => {
  assert.equal(decodeLoop(loopback(tcp4(), 2, false)), NET_IPV4 | 4);
  assert.equal(decodeLoop(loopback(tcp6(), 24, false)), NET_IPV6 | 4);
  assert.equal(decodeLoop(loopback(tcp4(), 2, true)), 'not_tcp');
});

test('a header shorter than 4 bytes is truncated', () => {
  const f = loopback(tcp4(), 2, true);
  for (let len = 0; len < 4; len++) {
    assert.equal(decodeNull(f.subarray(0, len)), 'truncated');
    assert.equal(decodeLoop(f.subarray(0, len)), 'truncated');
  }
});
