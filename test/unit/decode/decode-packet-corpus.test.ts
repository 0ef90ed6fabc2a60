// decodePacket over every frame of real captures, checked against tshark: the count of TCP
// segments and the sum of their TCP payload lengths must agree (tshark is the reference dissector),
// frame by frame, and so must the checksum verdicts when verifying.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { decodePacket, newDecodedSegment } from '../../../src/decode/decode-packet.js';
import type { RawFrame } from '../../../src/capture/types.js';
import { fixture } from '../../helpers/paths.js';
import { classicPcap, ethernet, ethernetSnap, loopback, rawFrame, sll, sll2, tcp4, tcp6 } from '../../helpers/frames.js';

/** Classic libpcap file (either byte order, µs or ns): just enough to walk the records. */
function readClassicPcap(path: string): RawFrame[] {
  const f = readFileSync(path);
  const magic = f.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && f.readUInt32BE(0) !== 0xa1b2c3d4 && f.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${path}: not a classic pcap`);
  const u32 = (o: number): number => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const nanos = (le ? magic : f.readUInt32BE(0)) === 0xa1b23c4d;
  const linkType = u32(20) & 0x0fffffff;
  const frames: RawFrame[] = [];
  for (let off = 24; off + 16 <= f.length; ) {
    const caplen = u32(off + 8);
    const frac = u32(off + 4);
    frames.push({
      tsMicros: u32(off) * 1_000_000 + (nanos ? Math.floor(frac / 1000) : frac),
      linkType,
      caplen,
      wirelen: u32(off + 12),
      data: f.subarray(off + 16, off + 16 + caplen),
    });
    off += 16 + caplen;
  }
  return frames;
}

interface TsharkSegment {
  frame: number;
  tcpLen: number;
  /** Wireshark checksum status: 0 bad, 1 good, 2 unverified; the IPv4 one is absent on IPv6. */
  badChecksum: boolean;
  /** tshark verified the TCP checksum and found it good. */
  tcpChecksumGood: boolean;
}

/**
 * tshark's view of the TCP segments, keyed by frame number. An ICMP error quoting a TCP header
 * matches `tcp` but has no tcp.len: it is not a segment and is left out.
 */
function tsharkSegments(path: string): Map<number, TsharkSegment> {
  const args = ['-r', path, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE', '-Y', 'tcp', '-T', 'fields',
    '-e', 'frame.number', '-e', 'tcp.len', '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status'];
  const text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const segments = new Map<number, TsharkSegment>();
  for (const line of text.split('\n')) {
    const [frame = '', tcpLen = '', ipStatus = '', tcpStatus = ''] = line.split('\t');
    if (tcpLen === '') continue;
    segments.set(Number(frame), { frame: Number(frame), tcpLen: Number(tcpLen), badChecksum: ipStatus === '0' || tcpStatus === '0', tcpChecksumGood: tcpStatus === '1' });
  }
  return segments;
}

const CAPTURES: Array<[string, string]> = [
  ['Ethernet, ICMP errors quoting TCP', 'corpus/zeek/testing/btest/Traces/smtp.pcap'],
  ['BSD NULL', 'corpus/suricata-verify/tests/smtp-pipelining/input.pcap'],
  ['Ethernet, IPv6', 'corpus/zeek/testing/btest/Traces/smtp-attachment-msg.pcap'],
  ['Ethernet, offloaded checksums', 'corpus/arkime/tests/pcap/smtp-nospaces.pcap'],
  ['Ethernet, seed session', 'seed/session.pcap'],
];

for (const [kind, rel] of CAPTURES) {
  test(`corpus ${rel} (${kind}): the same TCP segments, payload lengths and checksum verdicts as tshark`, () => {
    const path = fixture(...rel.split('/'));
    const expected = tsharkSegments(path);
    assert.ok(expected.size > 0);
    const out = newDecodedSegment();
    let segments = 0;
    let payloadBytes = 0;
    let expectedBytes = 0;
    let frameNo = 0;
    for (const frame of readClassicPcap(path)) {
      frameNo++;
      const want = expected.get(frameNo);
      const verdict = decodePacket(frame, out, true);
      assert.equal(verdict === 'bad_checksum', want?.badChecksum === true, `frame ${frameNo} checksum verdict`);
      if (decodePacket(frame, out, false) !== null) {
        assert.equal(want, undefined, `frame ${frameNo} is a TCP segment for tshark`);
        continue;
      }
      assert.ok(want !== undefined, `frame ${frameNo} is not a TCP segment for tshark`);
      assert.equal(out.payloadLen, want.tcpLen, `frame ${frameNo} payload length`);
      assert.ok(out.payload.length <= out.payloadLen);
      segments++;
      payloadBytes += out.payloadLen;
      expectedBytes += want.tcpLen;
    }
    assert.equal(segments, expected.size);
    assert.equal(payloadBytes, expectedBytes);
  });
}

test('hand-built frames of every link type are valid TCP for tshark too (builder and decoder agree with it)', () => {
  const opts = Buffer.from('020405b4010303070402', 'hex');
  const ipOpts = Buffer.from([0x94, 0x04, 0x00, 0x00]);
  const ips = [
    tcp4({ srcPort: 1025, payload: 'EHLO a\r\n', options: opts }, { options: ipOpts }),
    tcp4({ srcPort: 1026, payload: 'odd' }, { dontFragment: true }),
    tcp6({ srcPort: 1027, payload: 'DATA\r\n' }, { ext: [{ type: 0 }, { type: 60 }, { type: 44 }] }),
    tcp6({ srcPort: 1028, payload: 'x', options: opts }, { ext: [{ type: 43 }] }),
    tcp6({ srcPort: 1029, payload: 'QUIT\r\n' }, { ext: [{ type: 51, body: Buffer.alloc(20) }] }),
  ];
  const sets: Array<[number, Buffer[]]> = [
    [1, [...ips.map((ip) => ethernet(ip, { vlans: [{ id: 100, tpid: 0x88a8 }, { id: 200 }], padTo: 60 })), ...ips.map((ip) => ethernetSnap(ip))]],
    [113, ips.map((ip) => sll(ip))],
    [276, ips.map((ip) => sll2(ip))],
    [0, ips.map((ip) => loopback(ip, (ip[0]! >> 4) === 4 ? 2 : 24, true))],
    [101, ips],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-decode-'));
  try {
    for (const [linkType, frames] of sets) {
      const path = join(dir, `lt${linkType}.pcap`);
      writeFileSync(path, classicPcap(linkType, frames));
      const expected = tsharkSegments(path);
      const out = newDecodedSegment();
      frames.forEach((data, i) => {
        const want = expected.get(i + 1);
        assert.ok(want !== undefined, `link ${linkType} frame ${i + 1}: tshark sees TCP`);
        assert.equal(want.badChecksum, false, `link ${linkType} frame ${i + 1}: tshark finds no bad checksum`);
        assert.equal(want.tcpChecksumGood, true, `link ${linkType} frame ${i + 1}: tshark verified the TCP checksum`);
        assert.equal(decodePacket(rawFrame(data, linkType), out, true), null);
        assert.equal(out.payloadLen, want.tcpLen);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('classicPcap output reads back frame for frame (times, lengths, bytes)', () => {
  const a = rawFrame(ethernet(tcp4({ payload: 'abc' })), 1, 1_700_000_123_456_789);
  const b = { ...rawFrame(ethernet(tcp4({ payload: 'x'.repeat(100) })), 1, 1_700_000_124_000_001), wirelen: 500 };
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-decode-'));
  try {
    const path = join(dir, 'rt.pcap');
    writeFileSync(path, classicPcap(1, [a, b]));
    const back = readClassicPcap(path);
    assert.equal(back.length, 2);
    assert.deepEqual(back.map((f) => [f.tsMicros, f.linkType, f.caplen, f.wirelen]), [[a.tsMicros, 1, a.caplen, a.wirelen], [b.tsMicros, 1, b.caplen, 500]]);
    assert.ok(back[0]!.data.equals(a.data) && back[1]!.data.equals(b.data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
