import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { LinkType, type RawFrame } from '../../../src/capture/types.js';
import type { DecodedSegment } from '../../../src/decode/types.js';
import {
  cutFrame, ethernet, ethernetSnap, ipv6Bytes, loopback, rawFrame, sll, sll2, tcp4, tcp6, TCP_ACK, TCP_PSH,
} from '../../helpers/frames.js';

const TCP_OPTS = Buffer.from('0101080a0000000100000002', 'hex'); // NOP NOP timestamps
const IP_OPTS = Buffer.from([0x94, 0x04, 0x00, 0x00]); // Router Alert (RFC 2113)
const MSG = 'MAIL FROM:<a@example.org>\r\n';

function decodeOk(frame: RawFrame, verify = true): DecodedSegment {
  const out = newDecodedSegment();
  assert.equal(decodePacket(frame, out, verify), null);
  return out;
}

const v4 = (): Buffer => tcp4({ srcPort: 51000, dstPort: 25, seq: 0xdeadbeef, ack: 7, payload: MSG }, { src: '192.0.2.10', dst: '198.51.100.20' });
const v6 = (): Buffer => tcp6({ srcPort: 51000, dstPort: 587, payload: MSG }, { src: '2001:db8::10', dst: '2001:db8::20' });

const LINKS: Array<[string, number, (ip: Buffer) => Buffer]> = [
  ['Ethernet', LinkType.ETHERNET, (ip) => ethernet(ip)],
  ['802.3 SNAP', LinkType.ETHERNET, (ip) => ethernetSnap(ip)],
  ['SLL', LinkType.LINUX_SLL, (ip) => sll(ip)],
  ['SLL2', LinkType.LINUX_SLL2, (ip) => sll2(ip)],
  ['NULL little-endian', LinkType.NULL, (ip) => loopback(ip, (ip[0]! >> 4) === 4 ? 2 : 30, true)],
  ['NULL big-endian', LinkType.NULL, (ip) => loopback(ip, (ip[0]! >> 4) === 4 ? 2 : 24, false)],
  ['LOOP', LinkType.LOOP, (ip) => loopback(ip, (ip[0]! >> 4) === 4 ? 2 : 28, false)],
  ['RAW 101', LinkType.RAW, (ip) => ip],
  ['RAW 12', 12, (ip) => ip],
  ['RAW 14', 14, (ip) => ip],
];

for (const [name, linkType, wrap] of LINKS) {
  test(`${name}: TCP over IPv4 and IPv6 decodes end to end`, () => {
    const a = decodeOk(rawFrame(wrap(v4()), linkType, 42));
    assert.deepEqual([a.family, a.srcIp4, a.dstIp4, a.srcPort, a.dstPort, a.seq, a.ack], [4, 0xc000020a, 0xc6336414, 51000, 25, 0xdeadbeef, 7]);
    assert.equal(a.flags, TCP_ACK | TCP_PSH);
    assert.equal(a.payload.toString('latin1'), MSG);
    assert.deepEqual([a.payloadLen, a.tsMicros, a.vlanCount], [MSG.length, 42, 0]);
    const b = decodeOk(rawFrame(wrap(v6()), linkType));
    assert.equal(b.family, 6);
    assert.deepEqual(b.srcIp6, ipv6Bytes('2001:db8::10'));
    assert.deepEqual(b.dstIp6, ipv6Bytes('2001:db8::20'));
    assert.equal(b.payload.toString('latin1'), MSG);
  });
}

test('IPv4-only and IPv6-only link types', () => {
  assert.equal(decodeOk(rawFrame(v4(), LinkType.IPV4)).family, 4);
  assert.equal(decodeOk(rawFrame(v6(), LinkType.IPV6)).family, 6);
});

test('a link layer announcing one IP version over the other is malformed', () => {
  const out = newDecodedSegment();
  assert.equal(decodePacket(rawFrame(v6(), LinkType.IPV4), out, false), 'malformed');
  assert.equal(decodePacket(rawFrame(v4(), LinkType.IPV6), out, false), 'malformed');
  assert.equal(decodePacket(rawFrame(ethernet(v6(), { etherType: 0x0800 }), LinkType.ETHERNET), out, false), 'malformed');
  assert.equal(decodePacket(rawFrame(loopback(v4(), 30, true), LinkType.NULL), out, false), 'malformed');
  const v5 = v4();
  v5[0] = 0x55;
  assert.equal(decodePacket(rawFrame(v5, LinkType.RAW), out, false), 'malformed');
});

test('VLAN ids reach the segment and are reset for the next frame', () => {
  const out = newDecodedSegment();
  const tagged = ethernet(v4(), { vlans: [{ id: 10, tpid: 0x88a8 }, { id: 20 }, { id: 30 }] });
  assert.equal(decodePacket(rawFrame(tagged, LinkType.ETHERNET), out, true), null);
  assert.deepEqual([out.vlanCount, out.vlan0, out.vlan1, out.vlan2], [3, 10, 20, 30]);
  assert.equal(decodePacket(rawFrame(ethernet(v4()), LinkType.ETHERNET), out, true), null);
  assert.equal(out.vlanCount, 0);
  const four = ethernet(v4(), { vlans: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] });
  assert.equal(decodePacket(rawFrame(four, LinkType.ETHERNET), out, true), 'not_tcp');
});

/** Frames whose header bytes end at `headersEnd`; every shorter capture must be 'truncated'. */
const CUTS: Array<[string, RawFrame, number]> = [
  ['Ethernet + 2 VLANs + IPv4 options + TCP options', rawFrame(ethernet(tcp4({ options: TCP_OPTS, payload: MSG }, { options: IP_OPTS }), { vlans: [{ id: 1 }, { id: 2 }] }), LinkType.ETHERNET), 22 + 24 + 32],
  ['SLL2 + IPv6 hop-by-hop + fragment(atomic) + AH', rawFrame(sll2(tcp6({ payload: MSG }, { ext: [{ type: 0 }, { type: 44 }, { type: 51 }] })), LinkType.LINUX_SLL2), 20 + 40 + 8 + 8 + 12 + 20],
  ['SLL + IPv4', rawFrame(sll(tcp4({ payload: MSG })), LinkType.LINUX_SLL), 16 + 40],
  ['NULL + IPv6 routing', rawFrame(loopback(tcp6({ payload: MSG }, { ext: [{ type: 43 }] }), 28, true), LinkType.NULL), 4 + 48 + 20],
  ['raw IPv4', rawFrame(tcp4({ payload: MSG }), LinkType.RAW), 40],
  ['802.3 SNAP + IPv6', rawFrame(ethernetSnap(tcp6({ payload: MSG })), LinkType.ETHERNET), 22 + 60],
];

for (const [name, full, headersEnd] of CUTS) {
  test(`${name}: every capture length from 0 to the full frame`, () => {
    for (let len = 0; len <= full.data.length; len++) {
      for (const verify of [false, true]) {
        const out = newDecodedSegment();
        const r = decodePacket(cutFrame(full, len), out, verify);
        if (len < headersEnd) {
          assert.equal(r, 'truncated', `length ${len}`);
          continue;
        }
        assert.equal(r, null, `length ${len} verify ${verify}`);
        assert.equal(out.payload.length, len - headersEnd);
        assert.equal(out.payloadLen, MSG.length, 'payloadLen comes from the IP lengths');
        assert.equal(out.payload.toString('latin1'), MSG.slice(0, len - headersEnd));
      }
    }
  });
}

test('Ethernet padding past the IP total length is not payload, and the checksum still holds', () => {
  const frame = rawFrame(ethernet(tcp4({ payload: 'QUIT' }), { padTo: 60 }), LinkType.ETHERNET);
  assert.equal(frame.data.length, 60);
  const out = decodeOk(frame, true);
  assert.equal(out.payload.toString('latin1'), 'QUIT');
  assert.equal(out.payloadLen, 4);
  const ack = decodeOk(rawFrame(ethernet(tcp4({ payload: '' }), { padTo: 60 }), LinkType.ETHERNET), true);
  assert.equal(ack.payload.length, 0);
  assert.equal(ack.payloadLen, 0);
});

test('a snaplen cut inside the payload keeps payloadLen from the IP header', () => {
  const big = Buffer.alloc(1400, 0x41);
  const out = decodeOk(cutFrame(rawFrame(ethernet(tcp4({ payload: big })), LinkType.ETHERNET), 96), true);
  assert.equal(out.payload.length, 96 - 54);
  assert.equal(out.payloadLen, 1400);
  const out6 = decodeOk(cutFrame(rawFrame(ethernet(tcp6({ payload: big })), LinkType.ETHERNET), 200), true);
  assert.equal(out6.payload.length, 200 - 74);
  assert.equal(out6.payloadLen, 1400);
});

test('bad IPv4 header, TCP/IPv4 and TCP/IPv6 checksums: bad_checksum when verifying, accepted when not', () => {
  const frames = [
    rawFrame(ethernet(tcp4({ payload: MSG }, { badChecksum: true })), LinkType.ETHERNET),
    rawFrame(ethernet(tcp4({ payload: MSG, badChecksum: true })), LinkType.ETHERNET),
    rawFrame(ethernet(tcp6({ payload: MSG, badChecksum: true }, { ext: [{ type: 60 }] })), LinkType.ETHERNET),
    rawFrame(sll(tcp4({ payload: 'odd', badChecksum: true })), LinkType.LINUX_SLL),
  ];
  for (const f of frames) {
    assert.equal(decodePacket(f, newDecodedSegment(), true), 'bad_checksum');
    assert.equal(decodeOk(f, false).payloadLen, f === frames[3] ? 3 : MSG.length);
  }
});

test('a bad TCP checksum is not judged when the snaplen cut the segment', () => {
  const f = rawFrame(ethernet(tcp4({ payload: MSG, badChecksum: true })), LinkType.ETHERNET);
  assert.equal(decodePacket(cutFrame(f, f.data.length - 1), newDecodedSegment(), true), null);
});

test('IPv6 with a routing header still to visit: the TCP checksum is not judged (final destination unknown)', () => {
  const srh = (left: number): Buffer => Buffer.concat([Buffer.from([4, left, 0, 0, 0, 0]), ipv6Bytes('2001:db8::99')]);
  const pending = rawFrame(ethernet(tcp6({ payload: MSG, badChecksum: true }, { ext: [{ type: 43, body: srh(1) }] })), LinkType.ETHERNET);
  assert.equal(decodeOk(pending, true).payloadLen, MSG.length);
  const done = rawFrame(ethernet(tcp6({ payload: MSG, badChecksum: true }, { ext: [{ type: 43, body: srh(0) }] })), LinkType.ETHERNET);
  assert.equal(decodePacket(done, newDecodedSegment(), true), 'bad_checksum');
});

test('TSO capture (IPv4 total length 0) is decoded from the captured length, checksums not judged', () => {
  const f = rawFrame(ethernet(tcp4({ payload: MSG, badChecksum: true }, { totalLength: 0 })), LinkType.ETHERNET);
  const out = decodeOk(f, true);
  assert.equal(out.payloadLen, MSG.length);
  const g = rawFrame(ethernet(tcp4({ payload: MSG, badChecksum: true }, { totalLength: 0, badChecksum: true })), LinkType.ETHERNET);
  assert.equal(decodeOk(g, true).payloadLen, MSG.length);
});

test('fragments, non-TCP and malformed headers surface as their reasons', () => {
  const out = newDecodedSegment();
  const eth = (ip: Buffer): RawFrame => rawFrame(ethernet(ip), LinkType.ETHERNET);
  assert.equal(decodePacket(eth(tcp4({}, { moreFragments: true })), out, false), 'fragment');
  assert.equal(decodePacket(eth(tcp4({}, { fragmentOffset: 3 })), out, false), 'fragment');
  assert.equal(decodePacket(eth(tcp6({}, { ext: [{ type: 44, more: true }] })), out, false), 'fragment');
  assert.equal(decodePacket(eth(tcp6({}, { ext: [{ type: 44 }] })), out, false), null);
  assert.equal(decodePacket(eth(tcp4({}, { protocol: 17 })), out, false), 'not_tcp');
  assert.equal(decodePacket(eth(tcp6({}, { ext: [{ type: 50 }] })), out, false), 'not_tcp');
  assert.equal(decodePacket(eth(tcp4({ dataOffsetWords: 4 })), out, false), 'malformed');
  assert.equal(decodePacket(eth(tcp4({}, { ihlWords: 4 })), out, false), 'malformed');
  assert.equal(decodePacket(eth(tcp6({}, { payloadLength: 0 })), out, false), 'malformed');
  assert.equal(decodePacket(eth(tcp4({}, { totalLength: 30 })), out, false), 'malformed');
  assert.equal(decodePacket(rawFrame(Buffer.alloc(0), LinkType.RAW), out, false), 'truncated');
  assert.equal(decodePacket(rawFrame(v4(), 9999), out, false), 'unsupported_link');
});

test('the same out object is refilled: no state leaks between frames', () => {
  const out = newDecodedSegment();
  assert.equal(decodePacket(rawFrame(ethernet(v6()), LinkType.ETHERNET, 1), out, true), null);
  assert.equal(decodePacket(rawFrame(ethernet(v4()), LinkType.ETHERNET, 2), out, true), null);
  assert.deepEqual([out.family, out.srcIp6, out.dstIp6, out.tsMicros], [4, null, null, 2]);
  assert.equal(decodePacket(rawFrame(ethernet(v6()), LinkType.ETHERNET, 3), out, true), null);
  assert.deepEqual([out.family, out.srcIp4, out.dstIp4, out.tsMicros], [6, 0, 0, 3]);
});
