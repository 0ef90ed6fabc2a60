// Internet checksums (RFC 1071): the IPv4 header checksum and the TCP checksum over the IPv4
// (RFC 793 §3.1) or IPv6 (RFC 8200 §8.1) pseudo-header. Reads a borrowed frame; pure; no state.
// Callers only verify when every byte summed was captured (snaplen cuts make sums meaningless).

const IPPROTO_TCP = 6;

/** One's-complement partial sum of the 16-bit big-endian words in buf[start, end) added to acc. */
export function sumWords(buf: Buffer, start: number, end: number, acc: number): number {
  let sum = acc;
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  // RFC 1071 §4.1: an odd trailing byte is padded with a zero byte.
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

/** Folds carries into 16 bits; a correct checksum region folds to 0xffff. */
export function foldSum(acc: number): number {
  let sum = acc;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** RFC 791 §3.1: the header checksum covers the `headerLen` bytes of the header at `off`. */
export function ipv4HeaderChecksumOk(buf: Buffer, off: number, headerLen: number): boolean {
  return foldSum(sumWords(buf, off, off + headerLen, 0)) === 0xffff;
}

/** TCP over IPv4: pseudo-header = source, destination (ip+12..ip+20), zero, protocol, TCP length. */
export function tcpChecksumOk4(buf: Buffer, ipOff: number, tcpOff: number, tcpLen: number): boolean {
  const pseudo = sumWords(buf, ipOff + 12, ipOff + 20, IPPROTO_TCP + tcpLen);
  return foldSum(sumWords(buf, tcpOff, tcpOff + tcpLen, pseudo)) === 0xffff;
}

/**
 * TCP over IPv6: pseudo-header = source, destination (ip+8..ip+40), upper-layer length, next
 * header 6. With a routing header that has segments left, the sum uses the final destination
 * (RFC 8200 §8.1), which this does not look for: the caller checks hasPendingRoute on failure.
 */
export function tcpChecksumOk6(buf: Buffer, ipOff: number, tcpOff: number, tcpLen: number): boolean {
  const pseudo = sumWords(buf, ipOff + 8, ipOff + 40, IPPROTO_TCP + (tcpLen >>> 16) + (tcpLen & 0xffff));
  return foldSum(sumWords(buf, tcpOff, tcpOff + tcpLen, pseudo)) === 0xffff;
}
