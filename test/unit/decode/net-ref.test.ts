import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NET_IP_ANY, NET_IPV4, NET_IPV6, netKind, netOffset, netRef, netRefForEtherType } from '../../../src/decode/net-ref.js';

test('kind and offset survive packing, for every offset a link header can have', () => {
  for (const kind of [NET_IPV4, NET_IPV6, NET_IP_ANY]) {
    for (const off of [0, 4, 14, 26, 0xffff]) {
      const ref = netRef(kind, off);
      assert.equal(netKind(ref), kind);
      assert.equal(netOffset(ref), off);
    }
  }
});

test('only the IP EtherTypes map to a NetRef', () => {
  assert.equal(netRefForEtherType(0x0800, 14), NET_IPV4 | 14);
  assert.equal(netRefForEtherType(0x86dd, 18), NET_IPV6 | 18);
  for (const t of [0x0806, 0x8035, 0x8847, 0x88cc, 0x8863]) assert.equal(netRefForEtherType(t, 14), 'not_tcp');
});
