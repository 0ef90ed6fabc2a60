// IPv4 header decoder (RFC 791): options, total length against captured bytes, fragments,
// header checksum. Consumes a borrowed frame at `off`; fills the address fields of the caller's
// DecodedSegment and leaves the TCP segment's wire length in out.payloadLen for decodeTcp.
import type { DecodedSegment, SkipReason } from './types.js';
import { be16, be32 } from './be.js';
import { ipv4HeaderChecksumOk } from './checksum.js';

const MIN_HEADER = 20;
const IPPROTO_TCP = 6;
/** Flags/fragment-offset word: MF is 0x2000, the 13-bit offset 0x1fff; DF (0x4000) is no fragment. */
const FRAGMENT_MASK = 0x3fff;

/**
 * Returns the offset of the TCP header, or why there is none. A total length above the captured
 * bytes is a snaplen cut (the wire length is kept); below it, the rest is link padding (ignored).
 * A total length of 0 is what a capture on the sending host shows for a TSO/GSO super-segment
 * (the NIC fills it in later): the captured length is taken instead, as Wireshark does, and
 * neither checksum is judged.
 */
export function decodeIpv4(buf: Buffer, off: number, out: DecodedSegment, verifyChecksum: boolean): number | SkipReason {
  const captured = buf.length - off;
  if (captured < MIN_HEADER) return 'truncated';
  const versionIhl = buf[off]!;
  if (versionIhl >> 4 !== 4) return 'malformed';
  const headerLen = (versionIhl & 0x0f) * 4;
  if (headerLen < MIN_HEADER) return 'malformed';
  if (captured < headerLen) return 'truncated';
  let totalLen = be16(buf, off + 2);
  const tso = totalLen === 0;
  if (tso) totalLen = captured;
  else if (totalLen < headerLen) return 'malformed';
  // A TSO super-segment's header checksum is the NIC's job too, like its length: not judged.
  if (verifyChecksum && !tso && !ipv4HeaderChecksumOk(buf, off, headerLen)) return 'bad_checksum';
  if ((be16(buf, off + 6) & FRAGMENT_MASK) !== 0) return 'fragment';
  if (buf[off + 9] !== IPPROTO_TCP) return 'not_tcp';
  out.family = 4;
  out.srcIp4 = be32(buf, off + 12);
  out.dstIp4 = be32(buf, off + 16);
  out.srcIp6 = null;
  out.dstIp6 = null;
  out.payloadLen = totalLen - headerLen;
  return off + headerLen;
}

/** True when the IPv4 header at `off` carries the TSO placeholder total length 0. */
export function isIpv4TsoLength(buf: Buffer, off: number): boolean {
  return buf[off + 2] === 0 && buf[off + 3] === 0;
}
