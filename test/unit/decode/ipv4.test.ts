import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeIpv4, isIpv4TsoLength } from '../../../src/decode/ipv4.js';
import { newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { buildIpv4, tcp4 } from '../../helpers/frames.js';

// RFC 791 §3.1: Record Route (type 7) with room for two addresses, then End of Option List.
const RECORD_ROUTE = Buffer.from([7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0]);

test('addresses as unsigned 32-bit numbers, TCP offset and segment wire length', () => {
  const pkt = tcp4({ payload: 'hello' }, { src: '203.0.113.250', dst: '10.0.0.1' });
  const out = newDecodedSegment();
  assert.equal(decodeIpv4(pkt, 0, out, true), 20);
  assert.equal(out.family, 4);
  assert.equal(out.srcIp4, 0xcb0071fa);
  assert.equal(out.dstIp4, 0x0a000001);
  assert.equal(out.srcIp6, null);
  assert.equal(out.payloadLen, 25);
});

test('options (IHL > 5) move the TCP header', () => {
  const pkt = tcp4({ payload: 'x' }, { options: RECORD_ROUTE });
  const out = newDecodedSegment();
  assert.equal(decodeIpv4(pkt, 0, out, true), 32);
  assert.equal(out.payloadLen, 21);
});

test('IHL below 5 and a version other than 4 are malformed', () => {
  const out = newDecodedSegment();
  for (let ihl = 0; ihl < 5; ihl++) assert.equal(decodeIpv4(tcp4({}, { ihlWords: ihl }), 0, out, false), 'malformed');
  assert.equal(decodeIpv4(tcp4({}, { version: 6 }), 0, out, false), 'malformed');
  assert.equal(decodeIpv4(tcp4({}, { version: 5 }), 0, out, false), 'malformed');
});

test('a total length below the header length is malformed', () => {
  const out = newDecodedSegment();
  assert.equal(decodeIpv4(tcp4({}, { totalLength: 19 }), 0, out, false), 'malformed');
  assert.equal(decodeIpv4(tcp4({}, { options: RECORD_ROUTE, totalLength: 31 }), 0, out, false), 'malformed');
  assert.equal(decodeIpv4(tcp4({}, { totalLength: 20 }), 0, out, false), 20);
});

test('a header cut short is truncated at every length, options included', () => {
  const pkt = tcp4({}, { options: RECORD_ROUTE });
  for (let len = 0; len < 32; len++) assert.equal(decodeIpv4(pkt.subarray(0, len), 0, newDecodedSegment(), false), 'truncated', `length ${len}`);
});

test('a total length above the captured bytes keeps the wire length (snaplen cut)', () => {
  const pkt = tcp4({ payload: Buffer.alloc(1000) });
  const out = newDecodedSegment();
  assert.equal(decodeIpv4(pkt.subarray(0, 80), 0, out, true), 20);
  assert.equal(out.payloadLen, 1020);
});

test('trailing link padding beyond the total length is ignored', () => {
  const pkt = Buffer.concat([tcp4(), Buffer.alloc(6, 0xee)]);
  const out = newDecodedSegment();
  assert.equal(decodeIpv4(pkt, 0, out, true), 20);
  assert.equal(out.payloadLen, 20);
});

test('total length 0 (TSO on the sending host) takes the captured length', () => {
  const pkt = tcp4({ payload: 'abc' }, { totalLength: 0 });
  const out = newDecodedSegment();
  assert.equal(isIpv4TsoLength(pkt, 0), true);
  assert.equal(decodeIpv4(pkt, 0, out, true), 20);
  assert.equal(out.payloadLen, 23);
  assert.equal(isIpv4TsoLength(tcp4(), 0), false);
  assert.equal(decodeIpv4(tcp4({}, { totalLength: 0, badChecksum: true }), 0, newDecodedSegment(), true), 20, 'header checksum not judged');
});

test('MF or a non-zero offset is a fragment; DF alone is not', () => {
  const out = newDecodedSegment();
  assert.equal(decodeIpv4(tcp4({}, { moreFragments: true }), 0, out, true), 'fragment');
  assert.equal(decodeIpv4(tcp4({}, { fragmentOffset: 1 }), 0, out, true), 'fragment');
  assert.equal(decodeIpv4(tcp4({}, { fragmentOffset: 0x1fff, dontFragment: true }), 0, out, true), 'fragment');
  assert.equal(decodeIpv4(tcp4({}, { dontFragment: true }), 0, out, true), 20);
});

test('other protocols: the upper layer offset with the protocol in ipProto (decodePacket decides what to follow)', () => {
  const out = newDecodedSegment();
  assert.equal(decodeIpv4(buildIpv4(Buffer.alloc(8), { protocol: 17 }), 0, out, true), 20);
  assert.deepEqual([out.ipProto, out.payloadLen], [17, 8]);
  assert.equal(decodeIpv4(buildIpv4(Buffer.alloc(8), { protocol: 1 }), 0, out, true), 20);
  assert.equal(out.ipProto, 1);
});

test('a bad header checksum is bad_checksum only when verifying', () => {
  const pkt = tcp4({}, { badChecksum: true, options: RECORD_ROUTE });
  assert.equal(decodeIpv4(pkt, 0, newDecodedSegment(), true), 'bad_checksum');
  assert.equal(decodeIpv4(pkt, 0, newDecodedSegment(), false), 32);
});

test('decodes at a non-zero offset', () => {
  const pkt = Buffer.concat([Buffer.alloc(14), tcp4({ payload: 'hi' })]);
  const out = newDecodedSegment();
  assert.equal(decodeIpv4(pkt, 14, out, true), 34);
  assert.equal(out.payloadLen, 22);
});
