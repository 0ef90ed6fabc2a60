// IPv4 header decoder (RFC 791): options, total length against captured bytes, fragments,
// header checksum. Consumes a borrowed frame at `off`; fills the address fields and ipProto of the
// caller's DecodedSegment and leaves the upper layer's wire length in out.payloadLen (for decodeTcp
// or a tunnel decoder), or describes a fragment in out.frag.
import type { DecodedSegment, SkipReason } from './types.js';
import { be16, be32 } from '../shared/be.js';
import { ipv4HeaderChecksumOk } from './checksum.js';

const MIN_HEADER = 20;
/** Flags/fragment-offset word: MF is 0x2000, the 13-bit offset 0x1fff; DF (0x4000) is no fragment. */
const FRAGMENT_MASK = 0x3fff;
const MORE_FRAGMENTS = 0x2000;
const OFFSET_MASK = 0x1fff;

/**
 * Returns the offset of the upper-layer header (its protocol in out.ipProto), or why there is none;
 * 'fragment' with out.frag filled for a fragment (src/defrag reassembles it). A total length above the captured
 * bytes is a snaplen cut (the wire length is kept); below it, the rest is link padding (ignored).
 * A total length of 0 is what a capture on the sending host shows for a TSO/GSO super-segment
 * (the NIC fills it in later): the captured length is taken instead, as Wireshark does, and
 * neither checksum is judged.
 */
export function decodeIpv4(buf: Buffer, off: number, out: DecodedSegment, verifyChecksum: boolean, lim = buf.length): number | SkipReason {
  const captured = lim - off;
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
  out.family = 4;
  out.srcIp4 = be32(buf, off + 12);
  out.dstIp4 = be32(buf, off + 16);
  out.srcIp6 = null;
  out.dstIp6 = null;
  out.ipProto = buf[off + 9]!;
  out.payloadLen = totalLen - headerLen;
  const word = be16(buf, off + 6);
  if ((word & FRAGMENT_MASK) !== 0) {
    const f = out.frag;
    f.family = 4;
    f.ipOff = off;
    f.headerLen = headerLen;
    f.nhOff = 0;
    f.proto = out.ipProto;
    f.id = be16(buf, off + 4);
    f.offset = (word & OFFSET_MASK) * 8;
    f.more = (word & MORE_FRAGMENTS) !== 0;
    f.dataOff = off + headerLen;
    f.dataLen = totalLen - headerLen;
    return 'fragment';
  }
  return off + headerLen;
}

/** True when the IPv4 header at `off` carries the TSO placeholder total length 0. */
export function isIpv4TsoLength(buf: Buffer, off: number): boolean {
  return buf[off + 2] === 0 && buf[off + 3] === 0;
}
