import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSll, decodeSll2 } from '../../../src/decode/sll.js';
import { newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { NET_IPV4, NET_IPV6, netKind, netOffset } from '../../../src/decode/net-ref.js';
import { sll, sll2, tcp4, tcp6 } from '../../helpers/frames.js';

test('SLL v1: protocol at 14, IP at 16', () => {
  const out = newDecodedSegment();
  const r4 = decodeSll(sll(tcp4()), out);
  assert.deepEqual([netKind(r4 as number), netOffset(r4 as number)], [NET_IPV4, 16]);
  const r6 = decodeSll(sll(tcp6()), out);
  assert.deepEqual([netKind(r6 as number), netOffset(r6 as number)], [NET_IPV6, 16]);
});

test('SLL v2: protocol at 0, IP at 20', () => {
  const out = newDecodedSegment();
  const r4 = decodeSll2(sll2(tcp4()), out);
  assert.deepEqual([netKind(r4 as number), netOffset(r4 as number)], [NET_IPV4, 20]);
  const r6 = decodeSll2(sll2(tcp6()), out);
  assert.deepEqual([netKind(r6 as number), netOffset(r6 as number)], [NET_IPV6, 20]);
});

test('cooked headers cut short are truncated at every length', () => {
  const v1 = sll(tcp4());
  const v2 = sll2(tcp4());
  for (let len = 0; len < 16; len++) assert.equal(decodeSll(v1.subarray(0, len), newDecodedSegment()), 'truncated');
  for (let len = 0; len < 20; len++) assert.equal(decodeSll2(v2.subarray(0, len), newDecodedSegment()), 'truncated');
});

test('a VLAN tag left in a cooked capture is walked and recorded', () => {
  const tag = Buffer.from([0x00, 0x2a, 0x08, 0x00]); // id 42, then IPv4
  const out = newDecodedSegment();
  const r = decodeSll(sll(Buffer.concat([tag, tcp4()]), 0x8100), out);
  assert.deepEqual([netKind(r as number), netOffset(r as number), out.vlanCount, out.vlan0], [NET_IPV4, 20, 1, 42]);
});

test('ETH_P_802_2 (0x0004) leads to LLC/SNAP; other small protocols and netlink are not_tcp', () => {
  const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x86, 0xdd]);
  const out = newDecodedSegment();
  const r = decodeSll(sll(Buffer.concat([snap, tcp6()]), 0x0004), out);
  assert.deepEqual([netKind(r as number), netOffset(r as number)], [NET_IPV6, 24]);
  assert.equal(decodeSll(sll(tcp4(), 0x0001), out), 'not_tcp');
  assert.equal(decodeSll2(sll2(tcp4(), 0x0806), out), 'not_tcp');
  assert.equal(decodeSll(sll(tcp4(), 0x0800, 824), out), 'not_tcp');
  assert.equal(decodeSll2(sll2(tcp4(), 0x0800, 824), out), 'not_tcp');
});
