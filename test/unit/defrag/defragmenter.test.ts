import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDatagram, decodePacket, newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { LinkType } from '../../../src/capture/types.js';
import { Defragmenter, type DefragResult } from '../../../src/defrag/defragmenter.js';
import { DATAGRAM_OVERHEAD } from '../../../src/defrag/datagram.js';
import { buildTcp, ethernet, ipv6Bytes, rawFrame, tcp4 } from '../../helpers/frames.js';
import { fragment4, fragment6, type Range } from '../../helpers/fragments.js';

const BODY = Buffer.from('DATA\r\n' + 'Subject: fragmented\r\n\r\n' + 'x'.repeat(1200) + '\r\n.\r\n', 'latin1');
const whole4 = (): Buffer => tcp4({ srcPort: 40000, dstPort: 25, seq: 1000, payload: BODY }, { src: '192.0.2.1', dst: '198.51.100.2', id: 0x4242 });
const SEC = 1_000_000;

function tcp6Segment(): Buffer {
  return buildTcp({ srcPort: 40000, dstPort: 25, seq: 1000, payload: BODY }, (len) => {
    const p = Buffer.alloc(40);
    ipv6Bytes('2001:db8::10').copy(p, 0);
    ipv6Bytes('2001:db8::20').copy(p, 16);
    p.writeUInt32BE(len, 32);
    p[39] = 6;
    return p;
  });
}

function defrag(opts: { memcapBytes?: number; timeoutMicros?: number } = {}): Defragmenter {
  return new Defragmenter({ memcapBytes: opts.memcapBytes ?? 1 << 20, timeoutMicros: opts.timeoutMicros ?? 30 * SEC });
}

/** Feeds fragments (as Ethernet frames) through decode and the defragmenter; returns each result. */
function feed(d: Defragmenter, frags: Buffer[], ts0 = 1_700_000_000 * SEC, step = 1000): (DefragResult | null)[] {
  const seg = newDecodedSegment();
  return frags.map((ip, i) => {
    const frame = rawFrame(ethernet(ip), LinkType.ETHERNET, ts0 + i * step);
    assert.equal(decodePacket(frame, seg, true), 'fragment');
    return d.add(frame.data, seg, frame.tsMicros);
  });
}

/** The reassembled datagram decodes to the original TCP segment, checksums verified. */
function assertSegment(r: DefragResult | null): void {
  assert.ok(r !== null, 'reassembled');
  const seg = newDecodedSegment();
  assert.equal(decodeDatagram(r.datagram, seg, true), null);
  assert.deepEqual([seg.srcPort, seg.dstPort, seg.seq], [40000, 25, 1000]);
  assert.equal(seg.payload.toString('latin1'), BODY.toString('latin1'));
}

const SPLIT: Range[] = [[0, 520], [520, 1040], [1040, 1276]];

test('IPv4 fragments in order and out of order reassemble to the original segment (checksums verified)', () => {
  const frags = fragment4(whole4(), SPLIT);
  const a = feed(defrag(), frags);
  assert.deepEqual(a.slice(0, 2), [null, null]);
  assertSegment(a[2]!);
  for (const order of [[2, 0, 1], [1, 2, 0], [2, 1, 0]]) {
    const d = defrag();
    const r = feed(d, order.map((i) => frags[i]!));
    assertSegment(r[2]!);
    assert.equal(r[2]!.mismatch, false);
    assert.deepEqual([d.datagrams, d.held, d.stats.reassembled], [0, 0, 1]);
  }
});

test('IPv6 Fragment headers (also behind a hop-by-hop header) reassemble, the next header patched', () => {
  for (const hop of [false, true]) {
    const frags = fragment6(tcp6Segment(), [[0, 600], [600, 1200], [1200, tcp6Segment().length]], { hop });
    const r = feed(defrag(), [frags[1]!, frags[2]!, frags[0]!]);
    assertSegment(r[2]!);
  }
});

test('duplicates and agreeing overlaps are absorbed; a disagreeing overlap keeps the first copy and is flagged', () => {
  const whole = whole4();
  const frags = fragment4(whole, [[0, 520], [512, 1040], [0, 520], [1040, 1276]]);
  const ok = feed(defrag(), frags);
  assertSegment(ok[3]!);
  assert.equal(ok[3]!.mismatch, false);
  // The second copy of bytes 512..520 (and beyond) says something else: first wins, flagged.
  const evil = Buffer.from(whole.subarray(20));
  evil.fill(0x41, 500, 560);
  const d = defrag();
  const r = feed(d, [...fragment4(whole, [[0, 520]]), ...fragment4(whole, [[512, 1040]], { data: evil }), ...fragment4(whole, [[1040, 1276]])]);
  assert.equal(r[2]!.mismatch, true);
  assert.equal(d.stats.overlap, 1);
  // Bytes 512..520 came first from the honest copy; 520..560 only from the evil one.
  const tcpData = r[2]!.datagram.subarray(20);
  assert.deepEqual(tcpData.subarray(500, 520), whole.subarray(20 + 500, 20 + 520));
  assert.deepEqual(tcpData.subarray(520, 560), Buffer.alloc(40, 0x41));
});

test('a second last fragment that disagrees on the end is flagged and ignored', () => {
  const whole = whole4();
  const d = defrag();
  const early = fragment4(whole, [[1040, 1200]]);
  early[0]!.writeUInt16BE(early[0]!.readUInt16BE(6) & ~0x2000, 6); // MF cleared: claims the end at 1200
  early[0]!.writeUInt16BE(early[0]!.readUInt16BE(10) + 0x2000, 10); // header checksum follows (RFC 1624)
  const r = feed(d, [...fragment4(whole, [[1040, 1276]]), ...early, ...fragment4(whole, [[0, 1040]])]);
  assertSegment(r[2]!);
  assert.equal(r[2]!.mismatch, true);
});

test('timeout: a datagram missing a fragment is dropped after fragment_timeout_s of packet time, exactly', () => {
  const frags = fragment4(whole4(), SPLIT);
  const d = defrag({ timeoutMicros: 30 * SEC });
  const t0 = 1_700_000_000 * SEC;
  feed(d, [frags[0]!, frags[1]!], t0, 0);
  d.expire(t0 + 30 * SEC);
  assert.equal(d.datagrams, 1, 'at the limit: still waiting');
  d.expire(t0 + 30 * SEC + 1);
  assert.deepEqual([d.datagrams, d.held, d.stats.timeout], [0, 0, 1]);
  // The late last fragment alone starts a new datagram, which never completes.
  assert.deepEqual(feed(d, [frags[2]!], t0 + 31 * SEC), [null]);
  // The timeout is also checked when a fragment of an expired datagram arrives (no tick between).
  const e = defrag({ timeoutMicros: 30 * SEC });
  feed(e, [frags[0]!, frags[1]!], t0, 0);
  assert.deepEqual(feed(e, [frags[2]!], t0 + 30 * SEC + 1), [null]);
  assert.equal(e.stats.timeout, 1);
  const f = defrag({ timeoutMicros: 30 * SEC });
  feed(f, [frags[0]!, frags[1]!], t0, 0);
  assertSegment(feed(f, [frags[2]!], t0 + 30 * SEC)[0]!);
});

test('memcap: exactly the cap holds, one byte less evicts the oldest datagram; a lone fragment over it is refused', () => {
  const a = fragment4(whole4(), [[0, 520]], { id: 1 })[0]!;
  const b = fragment4(whole4(), [[0, 520]], { id: 2 })[0]!;
  const one = 20 + 520 + DATAGRAM_OVERHEAD;
  const d = defrag({ memcapBytes: 2 * one });
  feed(d, [a, b]);
  assert.deepEqual([d.datagrams, d.held, d.stats.memcap], [2, 2 * one, 0]);
  const e = defrag({ memcapBytes: 2 * one - 1 });
  feed(e, [a, b]);
  assert.deepEqual([e.datagrams, e.held, e.stats.memcap], [1, one, 1]);
  const tiny = defrag({ memcapBytes: one - 1 });
  assert.deepEqual(feed(tiny, [a]), [null]);
  assert.deepEqual([tiny.datagrams, tiny.held, tiny.stats.memcap], [0, 0, 1]);
});

test('fragments that cannot be part of a valid datagram are dropped as invalid', () => {
  const d = defrag();
  // Beyond 65535 bytes (ping of death), a non-final fragment not a multiple of 8, a cut fragment.
  const big = fragment4(whole4(), [[0, 520]])[0]!;
  big.writeUInt16BE(0x2000 | 8190, 6);
  const odd = fragment4(whole4(), [[0, 517]])[0]!;
  const seg = newDecodedSegment();
  for (const ip of [big, odd]) {
    const frame = rawFrame(ethernet(ip), LinkType.ETHERNET);
    assert.equal(decodePacket(frame, seg, false), 'fragment');
    assert.equal(d.add(frame.data, seg, 0), null);
  }
  const cut = rawFrame(ethernet(fragment4(whole4(), [[0, 520]])[0]!), LinkType.ETHERNET);
  const data = cut.data.subarray(0, 100);
  assert.equal(decodePacket({ ...cut, caplen: 100, data }, seg, false), 'fragment');
  assert.equal(d.add(data, seg, 0), null);
  assert.deepEqual([d.stats.invalid, d.datagrams], [3, 0]);
});

test('a fragment behind VLAN tags reassembles with the context of the frame that completed it', () => {
  const frags = fragment4(whole4(), SPLIT);
  const d = defrag();
  const seg = newDecodedSegment();
  let res: DefragResult | null = null;
  for (const ip of frags) {
    const frame = rawFrame(ethernet(ip, { vlans: [{ id: 30 }] }), LinkType.ETHERNET);
    assert.equal(decodePacket(frame, seg, true), 'fragment');
    res = d.add(frame.data, seg, 0);
  }
  assert.equal(decodeDatagram(res!.datagram, seg, true), null);
  assert.deepEqual([seg.vlanCount, seg.vlan0], [1, 30]);
});
