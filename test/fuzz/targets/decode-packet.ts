// Fuzz target: decodePacket (link, IPv4/IPv6, TCP headers) on one frame. Input: byte 0 picks
// the link type, byte 1 the checksum flag (bit 0) and the bytes cut by the snaplen (bits 1-7),
// the rest is the frame. Oracles: no throw; a segment's payload is a view inside the frame.
import type { RawFrame } from '../../../src/capture/types.js';
import { decodePacket, newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { oracle } from '../engine/target.js';
import type { FuzzTarget } from '../engine/target.js';
import { captureFiles, readFile, readFrames } from './corpus-seeds.js';

const LINK_TYPES = [1, 0, 101, 108, 113, 228, 229, 276, 12, 14, 147];
const REASONS = new Set(['not_tcp', 'truncated', 'malformed', 'fragment', 'bad_checksum', 'tunnel_depth', 'unsupported_link']);
const FRAMES_PER_CAPTURE = 6;

const out = newDecodedSegment();
const frame: RawFrame = { tsMicros: 0, linkType: 1, caplen: 0, wirelen: 0, data: Buffer.alloc(0) };

export function encodeFrame(linkType: number, data: Buffer, verify = false, cut = 0): Buffer {
  const at = Math.max(0, LINK_TYPES.indexOf(linkType));
  return Buffer.concat([Buffer.from([at, (cut << 1) | (verify ? 1 : 0)]), data]);
}

export const target: FuzzTarget = {
  name: 'decode-packet',
  coverage: ['/src/decode/'],
  maxLen: 2048,
  dictionary: [
    '\x08\x00', '\x86\xdd', '\x81\x00', '\x88\xa8', '\x45\x00', '\x60\x00\x00\x00', '\x00\x19', '\x02', '\x12', '\x11', '\x18', '\x04',
    '\x06', '\x2c', '\x00\x00\x00\x00', '\xff\xff', '\x50\x18', '\x20\x00',
  ],
  seeds() {
    const seeds: Buffer[] = [];
    for (const path of captureFiles()) {
      const frames = readFrames(readFile(path));
      const withData = frames.filter((f) => f.data.length > 80).slice(0, FRAMES_PER_CAPTURE - 2);
      for (const f of [...frames.slice(0, 2), ...withData]) seeds.push(encodeFrame(f.linkType, f.data, seeds.length % 2 === 0));
    }
    return seeds;
  },
  run(input) {
    if (input.length < 2) return;
    const data = input.subarray(2);
    frame.linkType = LINK_TYPES[input[0]! % LINK_TYPES.length]!;
    frame.data = data;
    frame.caplen = data.length;
    frame.wirelen = data.length + (input[1]! >> 1);
    const r = decodePacket(frame, out, (input[1]! & 1) === 1);
    if (r !== null) {
      oracle(REASONS.has(r), `unknown skip reason ${r}`);
      return;
    }
    const p = out.payload;
    oracle(p.length === 0 || (p.buffer === data.buffer && p.byteOffset >= data.byteOffset && p.byteOffset + p.length <= data.byteOffset + data.length), 'payload outside the frame');
    oracle(p.length <= out.payloadLen, 'payload longer than its wire length');
    oracle(out.srcPort >= 0 && out.srcPort <= 0xffff && out.dstPort >= 0 && out.dstPort <= 0xffff, 'port out of range');
    oracle(out.seq >= 0 && out.seq <= 0xffffffff && out.ack >= 0 && out.ack <= 0xffffffff, 'seq/ack not unsigned 32-bit');
    oracle(out.vlanCount >= 0 && out.vlanCount <= 3, 'vlanCount out of range');
    oracle(out.family === 4 || (out.srcIp6 !== null && out.srcIp6.length === 16 && out.dstIp6 !== null && out.dstIp6.length === 16), 'IPv6 address not 16 bytes');
  },
};
