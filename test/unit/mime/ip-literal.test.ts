import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normaliseIp } from '../../../src/mime/ip-literal.js';

test('IPv4 literals: brackets off, leading zeros read as decimal', () => {
  assert.equal(normaliseIp('[10.000.000.002]'), '10.0.0.2');
  assert.equal(normaliseIp('192.0.2.1'), '192.0.2.1');
  assert.equal(normaliseIp(' [010.1.1.1] '), '10.1.1.1');
  assert.equal(normaliseIp('[256.1.1.1]'), undefined);
  assert.equal(normaliseIp('1.2.3'), undefined);
  assert.equal(normaliseIp('1.2.3.4.5'), undefined);
  assert.equal(normaliseIp('[local]'), undefined);
  assert.equal(normaliseIp('example.com'), undefined);
});

test('IPv6 literals: the IPv6: tag (any case), RFC 5952 text like src_ip/dst_ip', () => {
  assert.equal(normaliseIp('[IPv6:2001:DB8:0:0:0:0:0:1]'), '2001:db8::1');
  assert.equal(normaliseIp('[ipv6:::1]'), '::1');
  assert.equal(normaliseIp('2620:137:e000::1:20'), '2620:137:e000::1:20');
  assert.equal(normaliseIp('2001:0db8:0000:0000:0001:0000:0000:0001'), '2001:db8::1:0:0:1');
  assert.equal(normaliseIp('[IPv6:::ffff:192.0.2.1]'), '::ffff:192.0.2.1');
  assert.equal(normaliseIp('64:ff9b::192.0.2.33'), '64:ff9b::c000:221');
  assert.equal(normaliseIp('::'), '::');
});

test('not IPv6: two "::", too many groups, bad groups, a zone, the bare tag', () => {
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::1', 'fe80::1%eth0', 'IPv6:', '[IPv6:]', '::1.2.3', 'g::1', '1:2:3:4:5:6:7::8']) {
    assert.equal(normaliseIp(bad), undefined, bad);
  }
});

test('dotted quads are read exactly as the regex reading it replaced (issue 12 item 6)', () => {
  // The reference: four 1-3 digit runs, each part decimal and at most 255.
  const reference = (t: string): string | undefined => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
    if (m === null) return undefined;
    const parts = [m[1]!, m[2]!, m[3]!, m[4]!].map((p) => parseInt(p, 10));
    return parts.every((p) => p <= 255) ? parts.join('.') : undefined;
  };
  const chars = fc.constantFrom('0', '1', '2', '5', '9', '.', '.', ' ', 'a', '\u0661');
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 18 }), (t) => {
      assert.equal(normaliseIp(t), reference(t.trim()), JSON.stringify(t));
    }),
    { numRuns: 30_000, seed: 4 },
  );
  for (const t of ['10.000.000.002', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.', '.1.2.3', '1..2.3', '0001.1.1.1']) {
    assert.equal(normaliseIp(t), reference(t), t);
  }
});
