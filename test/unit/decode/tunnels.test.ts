import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { LinkType } from '../../../src/capture/types.js';
import { tunnelList, type DecodedSegment, type DecodeOutcome } from '../../../src/decode/types.js';
import { buildIpv4, buildIpv6, cutFrame, ethernet, rawFrame, tcp4, tcp6 } from '../../helpers/frames.js';
import { erspan2, erspan3, geneve, gre, mpls, outer4, pppoe, udp, vxlan } from '../../helpers/tunnels.js';

const MSG = 'EHLO client.example\r\n';
const inner4 = (): Buffer => tcp4({ srcPort: 41000, dstPort: 25, seq: 77, payload: MSG }, { src: '192.0.2.10', dst: '198.51.100.20' });
const inner6 = (): Buffer => tcp6({ srcPort: 41000, dstPort: 587, payload: MSG }, { src: '2001:db8::10', dst: '2001:db8::20' });
const innerEth = (vlans: number[] = []): Buffer => ethernet(inner4(), { vlans: vlans.map((id) => ({ id })) });

function decode(frame: Buffer, maxTunnels?: number, linkType: number = LinkType.ETHERNET): { r: DecodeOutcome; out: DecodedSegment } {
  const out = newDecodedSegment();
  return { r: decodePacket(rawFrame(frame, linkType), out, true, maxTunnels), out };
}

function assertInner(frame: Buffer, tunnel: string[], vlan: number[] = []): DecodedSegment {
  const { r, out } = decode(frame);
  assert.equal(r, null);
  assert.deepEqual([...tunnelList(out.tunnelCount, out.tunnelPath)], tunnel);
  assert.deepEqual([out.vlan0, out.vlan1, out.vlan2].slice(0, out.vlanCount), vlan);
  assert.equal(out.payload.toString('latin1'), MSG);
  assert.equal(out.dstPort === 25 || out.dstPort === 587, true);
  return out;
}

test('GRE carrying IPv4, IPv6, bridged Ethernet and MPLS, with checksum/key/sequence fields', () => {
  const a = assertInner(outer4(gre(inner4(), { proto: 0x0800 }), 47), ['gre']);
  assert.deepEqual([a.srcIp4, a.dstIp4, a.srcPort, a.seq], [0xc000020a, 0xc6336414, 41000, 77]);
  assert.equal(assertInner(outer4(gre(inner6(), { proto: 0x86dd, checksum: true, key: 9, seq: 3 }), 47), ['gre']).family, 6);
  assertInner(outer4(gre(innerEth(), { proto: 0x6558, key: 1 }), 47), ['gre']);
  assertInner(outer4(gre(mpls(inner4(), [100, 200]), { proto: 0x8847 }), 47), ['gre', 'mpls']);
});

test('GRE over IPv6 outer header', () => {
  const frame = ethernet(buildIpv6(gre(inner4(), { proto: 0x0800 }), { protocol: 47 }));
  assertInner(frame, ['gre']);
});

test('ERSPAN II and III (Ethernet and IP frame types, platform subheader) name the layer instead of GRE', () => {
  assertInner(outer4(erspan2(innerEth()), 47), ['erspan2']);
  // Type I: protocol 0x88BE without a sequence number, no ERSPAN header.
  assertInner(outer4(gre(innerEth(), { proto: 0x88be }), 47), ['erspan2']);
  assertInner(outer4(erspan3(innerEth()), 47), ['erspan3']);
  assertInner(outer4(erspan3(innerEth(), { platform: true }), 47), ['erspan3']);
  assertInner(outer4(erspan3(inner4(), { ft: 2 }), 47), ['erspan3']);
  assert.equal(decode(outer4(erspan3(innerEth(), { ft: 5 }), 47)).r, 'not_tcp');
});

test('VXLAN and Geneve by their UDP port (either side); Geneve options skipped; other UDP is not_tcp', () => {
  assertInner(outer4(vxlan(innerEth()), 17), ['vxlan']);
  assertInner(outer4(geneve(innerEth(), 0x6558, 3), 17), ['geneve']);
  assertInner(outer4(geneve(inner4(), 0x0800), 17), ['geneve']);
  assertInner(outer4(geneve(inner6(), 0x86dd, 1), 17), ['geneve']);
  // Source port 4789 towards 4790 (seen in public samples): still VXLAN.
  const swapped = vxlan(innerEth());
  swapped.writeUInt16BE(4789, 0);
  swapped.writeUInt16BE(4790, 2);
  assertInner(outer4(swapped, 17), ['vxlan']);
  assert.equal(decode(outer4(udp(Buffer.from('dns?'), 5353, 53), 17)).r, 'not_tcp');
  assert.equal(decode(outer4(vxlan(innerEth(), 42, 0x00), 17)).r, 'not_tcp'); // I flag clear
  assert.equal(decode(outer4(geneve(innerEth(), 0x6558, 0, 1), 17)).r, 'not_tcp'); // version 1
});

test('MPLS stacks: explicit NULL labels, the version nibble, a pseudowire control word', () => {
  const eth = (p: Buffer): Buffer => ethernet(p, { etherType: 0x8847 });
  assertInner(eth(mpls(inner4(), [16, 17, 18])), ['mpls']);
  assertInner(eth(mpls(inner6(), [2])), ['mpls']);
  assertInner(eth(mpls(inner4(), [0])), ['mpls']);
  assertInner(eth(mpls(innerEth(), [300], true)), ['mpls']);
  assert.equal(decode(eth(mpls(Buffer.from([0x10, 0, 0, 0]), [300]))).r, 'not_tcp');
});

test('PPPoE sessions carry IPv4 and IPv6; discovery and other PPP protocols are not_tcp', () => {
  assertInner(ethernet(pppoe(inner4()), { etherType: 0x8864 }), ['pppoe']);
  assertInner(ethernet(pppoe(inner6()), { etherType: 0x8864 }), ['pppoe']);
  const lcp = pppoe(inner4());
  lcp.writeUInt16BE(0xc021, 6);
  assert.equal(decode(ethernet(lcp, { etherType: 0x8864 })).r, 'not_tcp');
  assert.equal(decode(ethernet(pppoe(inner4()), { etherType: 0x8863 })).r, 'not_tcp');
});

test('vlan keeps the outer tags; tags inside a tunnel are walked, not reported', () => {
  const out = assertInner(outer4(vxlan(innerEth([100, 200])), 17, { vlans: [7] }), ['vxlan'], [7]);
  assert.equal(out.vlanCount, 1);
  assertInner(outer4(vxlan(innerEth([1, 2, 3, 4, 5])), 17), ['vxlan']);
});

test('nested tunnels are listed outermost first', () => {
  const deep = outer4(erspan2(ethernet(buildIpv4(vxlan(ethernet(pppoe(inner4()), { etherType: 0x8864 })), { protocol: 17 }))), 47);
  assertInner(deep, ['erspan2', 'vxlan', 'pppoe']);
});

test('capture.max_tunnel_depth: exactly the limit decodes, one more layer is tunnel_depth', () => {
  let frame = inner4();
  for (let i = 0; i < 4; i++) frame = buildIpv4(gre(frame, { proto: 0x0800 }), { protocol: 47 });
  const eth = ethernet(frame);
  assert.equal(decode(eth, 4).r, null);
  assert.equal(decode(eth, 3).r, 'tunnel_depth');
  assert.equal(decode(eth).r, null); // default 4
  const five = ethernet(buildIpv4(gre(frame, { proto: 0x0800 }), { protocol: 47 }));
  assert.equal(decode(five).r, 'tunnel_depth');
  assert.equal(decode(five, 5).r, null);
});

test('PPTP (GRE version 1), source routing and unknown GRE protocols are not_tcp', () => {
  assert.equal(decode(outer4(gre(inner4(), { proto: 0x880b, flags: 0x3001 }), 47)).r, 'not_tcp');
  assert.equal(decode(outer4(gre(inner4(), { proto: 0x0800, flags: 0x4000 }), 47)).r, 'not_tcp');
  assert.equal(decode(outer4(gre(inner4(), { proto: 0x1234 }), 47)).r, 'not_tcp');
});

test('every capture length of a nested frame gives a reason, never a throw or a view outside the frame', () => {
  const frame = rawFrame(outer4(erspan3(ethernet(buildIpv4(geneve(ethernet(mpls(inner4(), [5]), { etherType: 0x8847 }), 0x6558, 2), { protocol: 17 })), { platform: true }), 47), LinkType.ETHERNET);
  const full = decode(frame.data);
  assert.equal(full.r, null);
  assert.deepEqual([...tunnelList(full.out.tunnelCount, full.out.tunnelPath)], ['erspan3', 'geneve', 'mpls']);
  const out = newDecodedSegment();
  for (let cap = 0; cap < frame.data.length; cap++) {
    const r = decodePacket(cutFrame(frame, cap), out, false);
    if (r === null) {
      // Only the TCP payload may be cut: the headers were all there.
      assert.ok(out.payload.length < MSG.length);
      assert.equal(out.payload.buffer, frame.data.buffer);
    } else assert.equal(r, 'truncated', `caplen ${cap}`);
  }
});
