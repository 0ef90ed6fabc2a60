// Small byte helpers shared by the parsers: named constants and ASCII comparisons on Buffers,
// so hot paths compare bytes instead of building strings.

export const CR = 0x0d;
export const LF = 0x0a;
export const DOT = 0x2e;
export const DASH = 0x2d;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** Index of the next LF at or after `from`, or -1. */
export function indexOfLf(buf: Buffer, from = 0): number {
  return buf.indexOf(LF, from);
}

/** ASCII case-insensitive prefix test; `prefixUpper` must be upper-case ASCII. */
export function startsWithAsciiCI(buf: Buffer, start: number, end: number, prefixUpper: string): boolean {
  const n = prefixUpper.length;
  if (end - start < n) return false;
  for (let i = 0; i < n; i++) {
    let c = buf[start + i]!;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== prefixUpper.charCodeAt(i)) return false;
  }
  return true;
}

/** Whether buf[start, start + n) equals prefix[0, n) (case-sensitive; the caller checks n fits both). */
export function bytesMatch(buf: Buffer, start: number, prefix: Buffer, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

/** A latin1 string of buf[start, end): protocol tokens are bytes, not text. */
export function latin1(buf: Buffer, start = 0, end = buf.length): string {
  return buf.toString('latin1', start, end);
}
