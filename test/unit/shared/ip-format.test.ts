import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp4, formatIp6 } from '../../../src/shared/ip-format.js';

function v6(hex: string): Buffer {
  return Buffer.from(hex.replace(/[^0-9a-f]/g, ''), 'hex');
}

test('formatIp4: dotted quad from an unsigned number, including the top bit', () => {
  assert.equal(formatIp4(0x0a000001), '10.0.0.1');
  assert.equal(formatIp4(0xc0a80101), '192.168.1.1');
  assert.equal(formatIp4(0xffffffff), '255.255.255.255');
  assert.equal(formatIp4(0), '0.0.0.0');
  assert.equal(formatIp4(-1), '255.255.255.255');
});

test('formatIp6: RFC 5952 §4 examples', () => {
  assert.equal(formatIp6(v6('20010db8 00000000 00000000 00000001')), '2001:db8::1');
  assert.equal(formatIp6(v6('20010db8 00000000 00010000 00000001')), '2001:db8::1:0:0:1'); // first longest run wins
  assert.equal(formatIp6(v6('20010db8 00000001 00010001 00010001')), '2001:db8:0:1:1:1:1:1'); // one zero group stays
  assert.equal(formatIp6(v6('20010db8 00000000 00010000 00000000')), '2001:db8:0:0:1::'); // longer trailing run
  assert.equal(formatIp6(v6('20010DB8 AAAA0000 00000000 0000000F'.toLowerCase())), '2001:db8:aaaa::f');
});

test('formatIp6: all zeros, loopback, leading run', () => {
  assert.equal(formatIp6(Buffer.alloc(16)), '::');
  assert.equal(formatIp6(v6('00000000 00000000 00000000 00000001')), '::1');
  assert.equal(formatIp6(v6('fe800000 00000000 02005eff fe000001')), 'fe80::200:5eff:fe00:1');
});

test('formatIp6: IPv4-mapped addresses keep the dotted quad (RFC 5952 §5)', () => {
  assert.equal(formatIp6(v6('00000000 00000000 0000ffff c0000280')), '::ffff:192.0.2.128');
});

test('formatIp6: reads at an offset', () => {
  const buf = Buffer.concat([Buffer.alloc(16), v6('20010db8 00100000 00000000 00000100')]);
  assert.equal(formatIp6(buf, 16), '2001:db8:10::100');
});
