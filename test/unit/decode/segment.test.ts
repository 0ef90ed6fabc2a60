// The reusable segment's payload view is made only when read, from where decodeTcp found it: the
// same bytes, a view of the frame (never a copy), one view per decode however often it is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket, newDecodedSegment } from '../../../src/decode/decode-packet.js';
import { ReusableSegment, setPayload } from '../../../src/decode/segment.js';
import type { DecodedSegment } from '../../../src/decode/types.js';
import { LinkType } from '../../../src/capture/types.js';
import { ethernet, rawFrame, tcp4 } from '../../helpers/frames.js';

test('the payload read after a decode is a view of the frame, made once; the next decode replaces it', () => {
  const out = newDecodedSegment();
  assert.ok(out instanceof ReusableSegment);
  const a = ethernet(tcp4({ payload: 'MAIL FROM:<a@b>\r\n' }));
  assert.equal(decodePacket(rawFrame(a, LinkType.ETHERNET), out, true), null);
  const p = out.payload;
  assert.equal(p.toString('latin1'), 'MAIL FROM:<a@b>\r\n');
  assert.equal(p.buffer, a.buffer);
  assert.equal(out.payload, p, 'one view per decode');
  const b = ethernet(tcp4({ payload: '' }));
  assert.equal(decodePacket(rawFrame(b, LinkType.ETHERNET), out, true), null);
  assert.equal(out.payloadLen, 0);
  assert.equal(out.payload.length, 0);
  assert.equal(out.payload.buffer, b.buffer, 'an empty payload is a view of its own frame too');
});

test('payload can be set, as tests and the flow harnesses do; setPayload on a plain segment makes a view', () => {
  const seg = new ReusableSegment();
  const bytes = Buffer.from('DATA\r\n');
  seg.payload = bytes;
  assert.equal(seg.payload, bytes);
  seg.setPayload(bytes, 1, 3);
  assert.equal(seg.payload.toString(), 'AT');
  assert.deepEqual(Object.keys(seg).includes('payload'), false);
  const plain = { payload: Buffer.alloc(0) } as DecodedSegment;
  setPayload(plain, bytes, 0, 4);
  assert.equal(plain.payload.toString(), 'DATA');
  assert.equal(plain.payload.buffer, bytes.buffer);
});
