import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldSum, ipv4HeaderChecksumOk, sumWords, tcpChecksumOk4, tcpChecksumOk6 } from '../../../src/decode/checksum.js';
import { internetChecksum, tcp4, tcp6 } from '../../helpers/frames.js';

test('RFC 1071 §3 example: words 0001 f203 f4f5 f6f7 sum to ddf2', () => {
  const b = Buffer.from('0001f203f4f5f6f7', 'hex');
  assert.equal(foldSum(sumWords(b, 0, b.length, 0)), 0xddf2);
});

test('an odd trailing byte is padded with zero', () => {
  const b = Buffer.from([0x12, 0x34, 0x56]);
  assert.equal(sumWords(b, 0, 3, 0), 0x1234 + 0x5600);
  assert.equal(foldSum(0x1ffff), 0x0001); // 0xffff + carry 1 wraps to 0x0001 (end-around carry)
  assert.equal(foldSum(0x2fffd), 0xffff);
});

test('the IPv4 header checksum agrees with an independent computation', () => {
  const pkt = tcp4({ payload: 'x' });
  assert.equal(internetChecksum(pkt.subarray(0, 20)), 0, 'a correct header sums to zero');
  assert.equal(ipv4HeaderChecksumOk(pkt, 0, 20), true);
  pkt[8] = (pkt[8]! + 1) & 0xff;
  assert.equal(ipv4HeaderChecksumOk(pkt, 0, 20), false);
});

test('TCP checksums over IPv4 and IPv6 pseudo-headers, odd and even lengths', () => {
  for (const payload of ['', 'a', 'ab', 'EHLO example.org\r\n', 'x'.repeat(1459)]) {
    const p4 = tcp4({ payload });
    assert.equal(tcpChecksumOk4(p4, 0, 20, p4.length - 20), true, `v4 ${payload.length}`);
    const p6 = tcp6({ payload });
    assert.equal(tcpChecksumOk6(p6, 0, 40, p6.length - 40), true, `v6 ${payload.length}`);
    p4[p4.length - 1] = (p4[p4.length - 1]! + 1) & 0xff;
    p6[p6.length - 1] = (p6[p6.length - 1]! + 1) & 0xff;
    assert.equal(tcpChecksumOk4(p4, 0, 20, p4.length - 20), false);
    assert.equal(tcpChecksumOk6(p6, 0, 40, p6.length - 40), false);
  }
});
