// Community ID v1 flow hashes (https://github.com/corelight/community-id-spec), as Zeek, Suricata
// and Arkime write them: "1:" + base64(SHA-1(seed, ordered addresses, proto, 0, ordered ports)).
// Pure; computed once per flow. Consumes numeric IPv4 or 16-byte IPv6 addresses, produces text.
import { hashOnce } from './hash-once.js';

/** IANA protocol number of TCP, the only transport mailtap tracks. */
export const PROTO_TCP = 6;

// The hash input is written into one scratch buffer per family, every byte of it each time: the
// digest is computed synchronously before the function returns and nothing keeps a reference to
// the buffer, so one serves every connection instead of a fresh zeroed one each (issue 12 item 6).
const SCRATCH4 = Buffer.alloc(16);
const SCRATCH6 = Buffer.alloc(40);

// One hash per new connection: its cost matters under a SYN flood (hash-once.ts).
function digest(buf: Buffer): string {
  return `1:${hashOnce('sha1', buf, 'base64')}`;
}

/**
 * Community ID of an IPv4 flow. The endpoint with the smaller address (then the smaller port) goes
 * first, so both directions of a connection hash the same.
 */
export function communityIdV4(srcIp: number, srcPort: number, dstIp: number, dstPort: number, proto = PROTO_TCP, seed = 0): string {
  const s = srcIp >>> 0;
  const d = dstIp >>> 0;
  const swap = s > d || (s === d && srcPort > dstPort);
  const buf = SCRATCH4;
  buf.writeUInt16BE(seed & 0xffff, 0);
  buf.writeUInt32BE(swap ? d : s, 2);
  buf.writeUInt32BE(swap ? s : d, 6);
  buf[10] = proto & 0xff;
  buf[11] = 0; // padding byte
  buf.writeUInt16BE(swap ? dstPort : srcPort, 12);
  buf.writeUInt16BE(swap ? srcPort : dstPort, 14);
  return digest(buf);
}

/** Community ID of an IPv6 flow; `src`/`dst` are 16-byte addresses (compared as bytes). */
export function communityIdV6(src: Uint8Array, srcPort: number, dst: Uint8Array, dstPort: number, proto = PROTO_TCP, seed = 0): string {
  const cmp = Buffer.compare(src.subarray(0, 16), dst.subarray(0, 16));
  const swap = cmp > 0 || (cmp === 0 && srcPort > dstPort);
  const buf = SCRATCH6;
  buf.writeUInt16BE(seed & 0xffff, 0);
  buf.set((swap ? dst : src).subarray(0, 16), 2);
  buf.set((swap ? src : dst).subarray(0, 16), 18);
  buf[34] = proto & 0xff;
  buf[35] = 0;
  buf.writeUInt16BE(swap ? dstPort : srcPort, 36);
  buf.writeUInt16BE(swap ? srcPort : dstPort, 38);
  return digest(buf);
}
