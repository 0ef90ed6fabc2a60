// Properties of decodePacket: never throws on any bytes under any link type, never reads or
// returns bytes outside the frame, and round-trips every field of frames the builder made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodePacket, newDecodedSegment } from '../../src/decode/decode-packet.js';
import type { DecodedSegment } from '../../src/decode/types.js';
import { cutFrame, ethernet, loopback, rawFrame, sll, sll2, tcp4, tcp6, type Ext6 } from '../helpers/frames.js';

const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];
const REASONS = new Set(['not_tcp', 'truncated', 'malformed', 'fragment', 'bad_checksum', 'tunnel_depth', 'unsupported_link']);

function checkInvariants(data: Buffer, r: string | null, out: DecodedSegment): void {
  if (r !== null) {
    assert.ok(REASONS.has(r), r);
    return;
  }
  assert.equal(out.payload.buffer, data.buffer, 'payload is a view of the frame');
  assert.ok(out.payload.byteOffset >= data.byteOffset);
  assert.ok(out.payload.byteOffset + out.payload.length <= data.byteOffset + data.length);
  assert.ok(out.payload.length <= out.payloadLen);
  assert.ok(out.seq >= 0 && out.seq <= 0xffffffff && out.ack >= 0 && out.ack <= 0xffffffff);
  assert.ok(out.vlanCount >= 0 && out.vlanCount <= 3);
}

test('any bytes under any link type: a reason or a consistent segment, never a throw', () => {
  // size 'max': by default fast-check keeps arrays near 10 bytes, shorter than most headers.
  const out = newDecodedSegment();
  fc.assert(
    fc.property(fc.constantFrom(...LINK_TYPES), fc.uint8Array({ maxLength: 200, size: 'max' }), fc.boolean(), (lt, bytes, verify) => {
      const data = Buffer.from(bytes);
      checkInvariants(data, decodePacket(rawFrame(data, lt), out, verify), out);
    }),
    { numRuns: 3000 },
  );
});

const ext6 = fc.array(
  fc.oneof(
    fc.constant<Ext6>({ type: 0 }),
    fc.constant<Ext6>({ type: 43 }),
    fc.constant<Ext6>({ type: 60 }),
    fc.constant<Ext6>({ type: 51 }),
    fc.record({ type: fc.constant<44>(44), offset: fc.integer({ min: 0, max: 3 }), more: fc.boolean() }),
  ),
  { maxLength: 3 },
);

const segmentSpec = fc.record({
  srcPort: fc.integer({ min: 0, max: 65535 }),
  dstPort: fc.integer({ min: 0, max: 65535 }),
  seq: fc.nat({ max: 0xffffffff }),
  ack: fc.nat({ max: 0xffffffff }),
  flags: fc.integer({ min: 0, max: 255 }),
  window: fc.integer({ min: 0, max: 65535 }),
  options: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  payload: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
});

test('built frames round-trip; mutated and cut copies never throw', () => {
  const out = newDecodedSegment();
  fc.assert(
    fc.property(
      segmentSpec,
      fc.boolean(),
      ext6,
      fc.array(fc.integer({ min: 0, max: 4095 }), { maxLength: 3 }),
      fc.integer({ min: 0, max: 4 }),
      fc.nat(),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      (spec, isV6, ext, vlans, linkPick, cutAt, flips) => {
        const ip = isV6 ? tcp6(spec, { ext }) : tcp4(spec);
        const fragment = isV6 && ext.some((e) => e.type === 44 && ((e.offset ?? 0) !== 0 || e.more === true));
        const frames = [
          rawFrame(ethernet(ip, { vlans: vlans.map((id) => ({ id })) }), 1),
          rawFrame(sll(ip), 113),
          rawFrame(sll2(ip), 276),
          rawFrame(loopback(ip, isV6 ? 30 : 2, true), 0),
          rawFrame(ip, 101),
        ];
        const frame = frames[linkPick]!;
        const r = decodePacket(frame, out, true);
        if (fragment) {
          assert.equal(r, 'fragment');
        } else {
          assert.equal(r, null);
          assert.deepEqual(
            [out.srcPort, out.dstPort, out.seq, out.ack, out.flags, out.window, out.payloadLen],
            [spec.srcPort, spec.dstPort, spec.seq, spec.ack, spec.flags, spec.window, spec.payload.length],
          );
          assert.ok(out.payload.equals(spec.payload));
          assert.equal(out.vlanCount, linkPick === 0 ? vlans.length : 0);
        }
        const cut = cutFrame(frame, cutAt % (frame.data.length + 1));
        checkInvariants(cut.data, decodePacket(cut, out, true), out);
        const mutated = Buffer.from(frame.data);
        for (const [at, v] of flips) mutated[at % mutated.length] = v;
        checkInvariants(mutated, decodePacket(rawFrame(mutated, frame.linkType), out, false), out);
      },
    ),
    { numRuns: 1500 },
  );
});
