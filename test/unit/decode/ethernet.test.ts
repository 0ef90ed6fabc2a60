import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEthernet, decodeLlcSnap, MAX_VLAN_TAGS } from '../../../src/decode/ethernet.js';
import { newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { NET_IPV4, NET_IPV6, netKind, netOffset } from '../../../src/decode/net-ref.js';
import { ethernet, ethernetSnap, tcp4, tcp6 } from '../../helpers/frames.js';

test('Ethernet II IPv4 and IPv6: IP header at 14, no VLAN', () => {
  const out = newDecodedSegment();
  const r4 = decodeEthernet(ethernet(tcp4()), out);
  assert.equal(typeof r4, 'number');
  assert.equal(netKind(r4 as number), NET_IPV4);
  assert.equal(netOffset(r4 as number), 14);
  const r6 = decodeEthernet(ethernet(tcp6()), out);
  assert.equal(netKind(r6 as number), NET_IPV6);
  assert.equal(netOffset(r6 as number), 14);
  assert.equal(out.vlanCount, 0);
});

for (const tpid of [0x8100, 0x88a8, 0x9100]) {
  test(`one VLAN tag with TPID 0x${tpid.toString(16)}: 12-bit id recorded, PCP ignored`, () => {
    const out = newDecodedSegment();
    const r = decodeEthernet(ethernet(tcp4(), { vlans: [{ id: 0xabc, tpid, pcp: 7 }] }), out);
    assert.equal(netOffset(r as number), 18);
    assert.equal(out.vlanCount, 1);
    assert.equal(out.vlan0, 0xabc);
  });
}

test('two and three tags are recorded outermost first', () => {
  const out = newDecodedSegment();
  const r2 = decodeEthernet(ethernet(tcp4(), { vlans: [{ id: 100, tpid: 0x88a8 }, { id: 200 }] }), out);
  assert.equal(netOffset(r2 as number), 22);
  assert.deepEqual([out.vlanCount, out.vlan0, out.vlan1], [2, 100, 200]);
  out.vlanCount = 0;
  const r3 = decodeEthernet(ethernet(tcp6(), { vlans: [{ id: 1, tpid: 0x9100 }, { id: 2, tpid: 0x88a8 }, { id: 4095 }] }), out);
  assert.equal(netKind(r3 as number), NET_IPV6);
  assert.equal(netOffset(r3 as number), 26);
  assert.deepEqual([out.vlanCount, out.vlan0, out.vlan1, out.vlan2], [3, 1, 2, 4095]);
});

test(`a tag beyond ${MAX_VLAN_TAGS} is not followed: not_tcp`, () => {
  const out = newDecodedSegment();
  const frame = ethernet(tcp4(), { vlans: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] });
  assert.equal(decodeEthernet(frame, out), 'not_tcp');
});

test('every cut inside the tags or the type field is truncated', () => {
  const frame = ethernet(tcp4(), { vlans: [{ id: 1 }, { id: 2 }, { id: 3 }] });
  for (let len = 0; len < 26; len++) {
    const out = newDecodedSegment();
    assert.equal(decodeEthernet(frame.subarray(0, len), out), 'truncated', `length ${len}`);
  }
});

test('non-IP EtherTypes and undefined type/length values are not_tcp', () => {
  const out = newDecodedSegment();
  assert.equal(decodeEthernet(ethernet(tcp4(), { etherType: 0x0806 }), out), 'not_tcp'); // ARP
  assert.equal(decodeEthernet(ethernet(tcp4(), { etherType: 0x88cc }), out), 'not_tcp'); // LLDP
  assert.equal(decodeEthernet(ethernet(tcp4(), { etherType: 1501 }), out), 'not_tcp');
  assert.equal(decodeEthernet(ethernet(tcp4(), { etherType: 0x05ff }), out), 'not_tcp');
  assert.equal(decodeEthernet(ethernet(tcp4(), { vlans: [{ id: 5 }], etherType: 0x0806 }), out), 'not_tcp');
});

test('802.3 length frame with SNAP carrying IPv4 or IPv6 reaches IP at 22', () => {
  const out = newDecodedSegment();
  const r4 = decodeEthernet(ethernetSnap(tcp4()), out);
  assert.equal(netKind(r4 as number), NET_IPV4);
  assert.equal(netOffset(r4 as number), 22);
  const r6 = decodeEthernet(ethernetSnap(tcp6()), out);
  assert.equal(netKind(r6 as number), NET_IPV6);
});

test('802.3 with plain LLC, SNAP with a vendor OUI, or SNAP carrying ARP: not_tcp', () => {
  const out = newDecodedSegment();
  const stp = Buffer.concat([Buffer.alloc(12), Buffer.from([0x00, 0x26, 0x42, 0x42, 0x03]), Buffer.alloc(35)]);
  assert.equal(decodeEthernet(stp, out), 'not_tcp');
  assert.equal(decodeEthernet(ethernetSnap(tcp4(), 0x0800, 0x00000c), out), 'not_tcp');
  assert.equal(decodeEthernet(ethernetSnap(tcp4(), 0x0806), out), 'not_tcp');
});

test('LLC/SNAP cut short is truncated at every length', () => {
  const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
  for (let len = 0; len < snap.length; len++) assert.equal(decodeLlcSnap(snap.subarray(0, len), 0), 'truncated', `length ${len}`);
  assert.equal(decodeLlcSnap(snap, 0), NET_IPV4 | 8);
});
