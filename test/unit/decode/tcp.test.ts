import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTcp } from '../../../src/decode/tcp.js';
import { newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { TcpFlags } from '../../../src/decode/types.js';
import { buildTcp, TCP_FIN, TCP_SYN, TCP_ACK } from '../../helpers/frames.js';

const noPseudo = (): Buffer => Buffer.alloc(0);
// RFC 9293 §3.2: MSS 1460, window scale 7, SACK permitted, timestamps (with NOP padding).
const SYN_OPTIONS = Buffer.from('020405b40103030704020101080a000000010000000000', 'hex');

test('ports, unsigned seq/ack, flags, window, payload view', () => {
  const seg = buildTcp({ srcPort: 65535, dstPort: 587, seq: 0xfffffffe, ack: 0x80000000, flags: TCP_FIN | TCP_ACK | 0xc0, window: 512, payload: 'QUIT\r\n' }, noPseudo);
  const out = newDecodedSegment();
  assert.equal(decodeTcp(seg, 0, seg.length, out), null);
  assert.equal(out.srcPort, 65535);
  assert.equal(out.dstPort, 587);
  assert.equal(out.seq, 0xfffffffe);
  assert.equal(out.ack, 0x80000000);
  assert.equal(out.flags, TcpFlags.FIN | TcpFlags.ACK | TcpFlags.ECE | TcpFlags.CWR);
  assert.equal(out.window, 512);
  assert.equal(out.payload.toString('latin1'), 'QUIT\r\n');
  assert.equal(out.payloadLen, 6);
  assert.equal(out.payload.buffer, seg.buffer, 'a view, not a copy');
});

test('options move the payload; a SYN without data has an empty payload', () => {
  const seg = buildTcp({ flags: TCP_SYN, options: SYN_OPTIONS }, noPseudo);
  const out = newDecodedSegment();
  assert.equal(decodeTcp(seg, 0, seg.length, out), null);
  assert.equal(seg.length, 44);
  assert.equal(out.payload.length, 0);
  assert.equal(out.payloadLen, 0);
  assert.equal(out.flags, TcpFlags.SYN);
});

test('data offset below 5 words is malformed', () => {
  for (let w = 0; w < 5; w++) {
    const seg = buildTcp({ dataOffsetWords: w, payload: 'x'.repeat(40) }, noPseudo);
    assert.equal(decodeTcp(seg, 0, seg.length, newDecodedSegment()), 'malformed', `offset ${w}`);
  }
});

test('a header longer than the segment the IP layer announced is malformed', () => {
  const seg = buildTcp({ dataOffsetWords: 15 }, noPseudo);
  assert.equal(decodeTcp(seg, 0, seg.length, newDecodedSegment()), 'malformed');
  assert.equal(decodeTcp(seg, 0, 19, newDecodedSegment()), 'malformed');
});

test('a header cut short by the capture is truncated at every length', () => {
  const seg = buildTcp({ options: SYN_OPTIONS, payload: 'abc' }, noPseudo);
  for (let len = 0; len < 44; len++) assert.equal(decodeTcp(seg.subarray(0, len), 0, seg.length, newDecodedSegment()), 'truncated', `length ${len}`);
  for (let len = 44; len <= seg.length; len++) {
    const out = newDecodedSegment();
    assert.equal(decodeTcp(seg.subarray(0, len), 0, seg.length, out), null);
    assert.equal(out.payload.length, len - 44);
    assert.equal(out.payloadLen, 3);
  }
});

test('bytes beyond the announced segment length are not payload', () => {
  const seg = Buffer.concat([buildTcp({ payload: 'abc' }, noPseudo), Buffer.from('PADDING')]);
  const out = newDecodedSegment();
  assert.equal(decodeTcp(seg, 0, 23, out), null);
  assert.equal(out.payload.toString('latin1'), 'abc');
});
