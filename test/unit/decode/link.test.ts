import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLink } from '../../../src/decode/link.js';
import { newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { NET_IP_ANY, NET_IPV4, NET_IPV6 } from '../../../src/decode/net-ref.js';
import { LinkType } from '../../../src/capture/types.js';
import { ethernet, loopback, sll, sll2, tcp4, tcp6 } from '../../helpers/frames.js';

test('each supported link type reaches the IP header', () => {
  const ip = tcp4();
  const out = newDecodedSegment();
  assert.equal(decodeLink(LinkType.ETHERNET, ethernet(ip), out), NET_IPV4 | 14);
  assert.equal(decodeLink(LinkType.LINUX_SLL, sll(ip), out), NET_IPV4 | 16);
  assert.equal(decodeLink(LinkType.LINUX_SLL2, sll2(ip), out), NET_IPV4 | 20);
  assert.equal(decodeLink(LinkType.NULL, loopback(ip, 2, true), out), NET_IPV4 | 4);
  assert.equal(decodeLink(LinkType.LOOP, loopback(ip, 2, false), out), NET_IPV4 | 4);
  assert.equal(decodeLink(LinkType.IPV4, ip, out), NET_IPV4);
  assert.equal(decodeLink(LinkType.IPV6, tcp6(), out), NET_IPV6);
});

test('raw IP under 101 and the BSD numbers 12 and 14 leaves the version to the header', () => {
  const out = newDecodedSegment();
  for (const lt of [LinkType.RAW, 12, 14]) assert.equal(decodeLink(lt, tcp4(), out), NET_IP_ANY);
});

test('unknown link types are unsupported_link (reported to the operator, not silently not_tcp)', () => {
  const out = newDecodedSegment();
  for (const lt of [105, 127, 147, 9999]) assert.equal(decodeLink(lt, tcp4(), out), 'unsupported_link');
});
