import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeIpv6, hasPendingRoute } from '../../../src/decode/ipv6.js';
import { newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { buildIpv6, ipv6Bytes, tcp6, type Ext6 } from '../../helpers/frames.js';

test('addresses as 16-byte views, TCP offset and segment wire length', () => {
  const pkt = tcp6({ payload: 'hello' }, { src: '2001:db8::a', dst: 'fe80::1:2' });
  const out = newDecodedSegment();
  assert.equal(decodeIpv6(pkt, 0, out), 40);
  assert.equal(out.family, 6);
  assert.deepEqual(out.srcIp6, ipv6Bytes('2001:db8::a'));
  assert.deepEqual(out.dstIp6, ipv6Bytes('fe80::1:2'));
  assert.equal(out.srcIp6?.buffer, pkt.buffer, 'a view, not a copy');
  assert.equal(out.payloadLen, 25);
});

const chains: Array<[string, Ext6[], number]> = [
  ['hop-by-hop', [{ type: 0 }], 48],
  ['routing', [{ type: 43, body: Buffer.alloc(22) }], 64],
  ['destination options', [{ type: 60, body: Buffer.alloc(14) }], 56],
  ['AH (4-octet units minus 2)', [{ type: 51, body: Buffer.alloc(20) }], 64],
  ['atomic fragment (offset 0, M=0)', [{ type: 44 }], 48],
  ['hop-by-hop, destination options, AH', [{ type: 0 }, { type: 60 }, { type: 51 }], 68],
];
for (const [name, ext, tcpOff] of chains) {
  test(`extension chain: ${name}`, () => {
    const pkt = tcp6({ payload: 'abc' }, { ext });
    const out = newDecodedSegment();
    assert.equal(decodeIpv6(pkt, 0, out), tcpOff);
    assert.equal(out.payloadLen, 23);
    for (let len = 0; len < tcpOff; len++) assert.equal(decodeIpv6(pkt.subarray(0, len), 0, newDecodedSegment()), 'truncated', `length ${len}`);
  });
}

test('a fragment header with an offset or M set is a fragment', () => {
  const out = newDecodedSegment();
  assert.equal(decodeIpv6(tcp6({}, { ext: [{ type: 44, more: true }] }), 0, out), 'fragment');
  assert.equal(decodeIpv6(tcp6({}, { ext: [{ type: 44, offset: 1 }] }), 0, out), 'fragment');
  assert.equal(decodeIpv6(tcp6({}, { ext: [{ type: 0 }, { type: 44, offset: 185, more: true }] }), 0, out), 'fragment');
});

test('ESP, No Next Header and other upper layers are not_tcp', () => {
  const out = newDecodedSegment();
  assert.equal(decodeIpv6(buildIpv6(Buffer.alloc(16), { ext: [{ type: 50 }] }), 0, out), 'not_tcp');
  assert.equal(decodeIpv6(buildIpv6(Buffer.alloc(8), { protocol: 59 }), 0, out), 'not_tcp');
  // UDP and GRE end the chain with their offset (tunnels); decodePacket answers not_tcp for plain UDP.
  assert.equal(decodeIpv6(buildIpv6(Buffer.alloc(8), { ext: [{ type: 0 }], protocol: 17 }), 0, out), 48);
  assert.equal(out.ipProto, 17);
  assert.equal(decodeIpv6(buildIpv6(Buffer.alloc(8), { protocol: 58 }), 0, out), 'not_tcp');
});

test('payload length 0 (jumbogram) and a wrong version are malformed', () => {
  const out = newDecodedSegment();
  assert.equal(decodeIpv6(tcp6({}, { payloadLength: 0 }), 0, out), 'malformed');
  assert.equal(decodeIpv6(tcp6({}, { version: 4 }), 0, out), 'malformed');
});

test('an extension header reaching past the payload length is malformed', () => {
  const out = newDecodedSegment();
  // hop-by-hop of 8 bytes in a payload that claims 6, and 2 bytes where its length byte would be
  assert.equal(decodeIpv6(tcp6({}, { ext: [{ type: 0 }], payloadLength: 6 }), 0, out), 'malformed');
  assert.equal(decodeIpv6(tcp6({}, { ext: [{ type: 0 }, { type: 60 }], payloadLength: 9 }), 0, out), 'malformed');
  assert.equal(decodeIpv6(tcp6({}, { ext: [{ type: 44 }], payloadLength: 7 }), 0, out), 'malformed');
});

test('a payload length above the captured bytes keeps the wire length (snaplen cut)', () => {
  const pkt = tcp6({ payload: Buffer.alloc(500) }, { ext: [{ type: 60 }] });
  const out = newDecodedSegment();
  assert.equal(decodeIpv6(pkt.subarray(0, 100), 0, out), 48);
  assert.equal(out.payloadLen, 520);
});

// RFC 8754 segment routing header body: type 4, segments left, last entry, flags, tag, one segment.
const srh = (segmentsLeft: number): Buffer => Buffer.concat([Buffer.from([4, segmentsLeft, 0, 0, 0, 0]), ipv6Bytes('2001:db8::99')]);

test('hasPendingRoute: only a routing header with segments left counts', () => {
  const pending = tcp6({}, { ext: [{ type: 0 }, { type: 43, body: srh(1) }, { type: 60 }] });
  assert.equal(decodeIpv6(pending, 0, newDecodedSegment()), 40 + 8 + 24 + 8);
  assert.equal(hasPendingRoute(pending, 0), true);
  assert.equal(hasPendingRoute(tcp6({}, { ext: [{ type: 43, body: srh(0) }] }), 0), false);
  assert.equal(hasPendingRoute(tcp6({}, { ext: [{ type: 0 }, { type: 44 }, { type: 51 }] }), 0), false);
  assert.equal(hasPendingRoute(tcp6(), 0), false);
});

test('hasPendingRoute stops at the end of the bytes even on a chain decodeIpv6 would refuse', () => {
  const cut = tcp6({}, { ext: [{ type: 0 }, { type: 60 }] }).subarray(0, 50);
  assert.equal(hasPendingRoute(cut, 0), false);
});
