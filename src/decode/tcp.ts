// TCP header decoder (RFC 9293 §3.1): ports, sequence numbers, data offset with options, flags,
// window. Consumes a borrowed frame at `off` and the segment's wire length from the IP layer;
// fills the caller's DecodedSegment, payload as a borrowed view of the captured bytes (which end
// at `lim` in `buf`: a frame may be a window of a read buffer, capture/frame-window.ts).
import type { DecodedSegment, SkipReason } from './types.js';
import { be16, be32 } from '../shared/be.js';
import { setPayload } from './segment.js';

const MIN_HEADER = 20;

/**
 * `wireLen` is the TCP segment length the IP header announces. A data offset below 5 words or
 * beyond the announced length is malformed; beyond the captured bytes, truncated. The payload
 * view stops at the captured end, so payloadLen - payload.length bytes were cut by the snaplen.
 */
export function decodeTcp(buf: Buffer, off: number, wireLen: number, out: DecodedSegment, lim = buf.length): SkipReason | null {
  if (wireLen < MIN_HEADER) return 'malformed';
  if (lim - off < MIN_HEADER) return 'truncated';
  const headerLen = (buf[off + 12]! >> 4) * 4;
  if (headerLen < MIN_HEADER || headerLen > wireLen) return 'malformed';
  if (lim - off < headerLen) return 'truncated';
  out.srcPort = be16(buf, off);
  out.dstPort = be16(buf, off + 2);
  out.seq = be32(buf, off + 4);
  out.ack = be32(buf, off + 8);
  out.flags = buf[off + 13]!;
  out.window = be16(buf, off + 14);
  const wireEnd = off + wireLen;
  setPayload(out, buf, off + headerLen, wireEnd < lim ? wireEnd : lim);
  out.payloadLen = wireLen - headerLen;
  return null;
}
