// Text forms of IP addresses for events, formatted once per flow (never per packet).
// IPv4: dotted quad from an unsigned 32-bit number. IPv6: RFC 5952 canonical text (lower-case
// hex, no leading zeros, the longest run of two or more zero groups as `::`, IPv4-mapped dotted).

/** Dotted quad of an unsigned 32-bit IPv4 address (network order as a number). */
export function formatIp4(addr: number): string {
  const a = addr >>> 0;
  return `${a >>> 24}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** RFC 5952 text of the 16 bytes at buf[off, off + 16). */
export function formatIp6(buf: Uint8Array, off = 0): string {
  const groups = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;

  // RFC 5952 §5: IPv4-mapped addresses (::ffff:0:0/96) keep the dotted quad.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    const v4 = ((groups[6]! << 16) | groups[7]!) >>> 0;
    return `::ffff:${formatIp4(v4)}`;
  }

  // RFC 5952 §4.2.2/§4.2.3: compress the longest run of >= 2 zero groups, the first on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }

  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += groups[i]!.toString(16);
  }
  return out;
}
