// A frame that is a window of a larger read buffer (capture/frame-window.ts) decodes exactly as a
// copy of its bytes does: every layer stops at the window's end, never at the buffer's, so bytes
// after the frame (the next record) are never taken for the frame's own, and a fragment's offsets
// still point into the frame's own view (the defragmenter reads them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, newDecodedSegment } from '../../../src/decode/decode-packet.js';
import type { DecodedSegment, DecodeOutcome } from '../../../src/decode/types.js';
import { LinkType } from '../../../src/capture/types.js';
import type { RawFrame } from '../../../src/capture/types.js';
import { FrameWindow, setFrameBytes } from '../../../src/capture/frame-window.js';
import { ethernet, ethernetSnap, loopback, rawFrame, sll, sll2, tcp4, tcp6 } from '../../helpers/frames.js';
import { geneve, gre, mpls, outer4, pppoe, vxlan } from '../../helpers/tunnels.js';

const MSG = 'EHLO client.example\r\n';
const v4 = (): Buffer => tcp4({ srcPort: 41000, dstPort: 25, seq: 77, ack: 9, payload: MSG, options: Buffer.from([1, 1, 1, 1]) }, { src: '192.0.2.10', dst: '198.51.100.20' });
const v6 = (): Buffer => tcp6({ srcPort: 41000, dstPort: 587, payload: MSG }, { src: '2001:db8::10', dst: '2001:db8::20', ext: [{ type: 0 }, { type: 43 }] });

const FRAMES: Array<[string, number, Buffer]> = [
  ['ethernet ipv4', LinkType.ETHERNET, ethernet(v4())],
  ['ethernet 2 vlans ipv6', LinkType.ETHERNET, ethernet(v6(), { vlans: [{ id: 5 }, { id: 6 }] })],
  ['802.3 snap', LinkType.ETHERNET, ethernetSnap(v4())],
  ['sll', LinkType.LINUX_SLL, sll(v4())],
  ['sll2', LinkType.LINUX_SLL2, sll2(v6())],
  ['null', LinkType.NULL, loopback(v4(), 2, true)],
  ['loop', LinkType.LOOP, loopback(v6(), 24, false)],
  ['raw', LinkType.RAW, v4()],
  ['ipv6 link type', LinkType.IPV6, v6()],
  ['gre', LinkType.ETHERNET, outer4(gre(v4(), { proto: 0x0800 }), 47)],
  ['vxlan', LinkType.ETHERNET, outer4(vxlan(ethernet(v4())), 17)],
  ['geneve', LinkType.ETHERNET, outer4(geneve(ethernet(v6()), 0x6558, 2), 17)],
  ['mpls', LinkType.ETHERNET, ethernet(mpls(v4(), [100, 200]), { etherType: 0x8847 })],
  ['mpls pseudowire', LinkType.ETHERNET, ethernet(mpls(ethernet(v4()), [300], true), { etherType: 0x8847 })],
  ['pppoe', LinkType.ETHERNET, ethernet(pppoe(v6()), { etherType: 0x8864 })],
  ['ipv4 fragment', LinkType.ETHERNET, ethernet(tcp4({ payload: MSG }, { fragmentOffset: 8, moreFragments: true }))],
  ['ipv6 fragment', LinkType.ETHERNET, ethernet(tcp6({ payload: MSG }, { ext: [{ type: 44, offset: 8, more: true }] }))],
];

function snapshot(r: DecodeOutcome, out: DecodedSegment): unknown {
  if (r !== null && r !== 'fragment') return r;
  const seg = {
    r,
    tuple: [out.family, out.srcIp4, out.dstIp4, out.srcIp6?.toString('hex'), out.dstIp6?.toString('hex'), out.srcPort, out.dstPort],
    tcp: r === null ? [out.seq, out.ack, out.flags, out.window, out.payloadLen, out.payload.toString('hex')] : null,
    vlans: [out.vlanCount, out.vlan0, out.vlan1, out.vlan2],
    tunnels: [out.tunnelCount, out.tunnelPath],
    ts: out.tsMicros,
  };
  return r === 'fragment' ? { ...seg, frag: { ...out.frag } } : seg;
}

function decodeBoth(linkType: number, bytes: Buffer, at: number, after: Buffer): { copy: unknown; window: unknown; frame: RawFrame } {
  const out = newDecodedSegment();
  const copy = snapshot(decodePacket(rawFrame(Buffer.from(bytes), linkType, 42), out, true), out);
  // The frame's bytes sit at `at` in a read buffer, followed by `after` (the rest of the
  // uncut frame, then the next record's header bytes): a bound by buf.length would read them.
  const buf = Buffer.concat([Buffer.alloc(at, 0xee), bytes, after, Buffer.alloc(64, 0x45)]);
  const frame = new FrameWindow();
  frame.tsMicros = 42;
  frame.linkType = linkType;
  setFrameBytes(frame, buf, at, bytes.length);
  frame.wirelen = bytes.length;
  const window = snapshot(decodePacket(frame, out, true), out);
  return { copy, window, frame };
}

test('a frame decoded in place in its read buffer equals a copy of it, cut at every length', () => {
  for (const [name, linkType, whole] of FRAMES) {
    for (let cut = 0; cut <= whole.length; cut++) {
      const { copy, window } = decodeBoth(linkType, whole.subarray(0, cut), 37, whole.subarray(cut));
      assert.deepEqual(window, copy, `${name} cut at ${cut} of ${whole.length}`);
    }
  }
});

test('a fragment decoded in place keeps offsets into its own view, as the defragmenter reads them', () => {
  for (const [name, linkType, whole] of FRAMES.filter(([n]) => n.endsWith('fragment'))) {
    const { copy, window, frame } = decodeBoth(linkType, whole, 1000, Buffer.alloc(0));
    assert.equal((window as { r: unknown }).r, 'fragment', name);
    assert.deepEqual(window, copy, name);
    assert.equal(frame.data.length, whole.length);
    assert.ok(frame.data.equals(whole));
  }
});

test('a window that ends beyond the 24-bit NetRef offsets decodes from its view, the same', () => {
  const whole = ethernet(v4());
  const at = 0xffffff - 20; // the frame straddles 16 MiB
  const { copy, window } = decodeBoth(LinkType.ETHERNET, whole, at, Buffer.alloc(0));
  assert.deepEqual(window, copy);
  assert.equal((window as { r: unknown }).r, null);
});

test('FrameWindow: data is the window as its own view, made once; setting data points the window at it', () => {
  const buf = Buffer.from('xxabcdefyy');
  const f = new FrameWindow();
  setFrameBytes(f, buf, 2, 6);
  assert.equal(f.caplen, 6);
  assert.equal(f.data.toString(), 'abcdef');
  assert.equal(f.data, f.data);
  assert.equal(f.data.buffer, buf.buffer);
  const other = Buffer.from('zz');
  f.data = other;
  assert.deepEqual([f.buf, f.off, f.caplen, f.data], [other, 0, 2, other]);
  // A plain RawFrame (tests, live capture) gets a view, as before.
  const plain: RawFrame = { tsMicros: 0, linkType: 1, caplen: 0, wirelen: 0, data: Buffer.alloc(0) };
  setFrameBytes(plain, buf, 2, 6);
  assert.equal(plain.data.toString(), 'abcdef');
  assert.equal(plain.caplen, 6);
});
