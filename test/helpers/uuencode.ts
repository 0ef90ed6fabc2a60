// Traditional uuencoding as uuencode(1) writes it (45 bytes a line, '`' for zero, a '`' line before
// `end`): the test side of src/mime/uuencode.ts, written from the POSIX description, not from it.
export function uuencode(data: Buffer): string {
  const ch = (v: number): string => (v === 0 ? '`' : String.fromCharCode(v + 32));
  const lines: string[] = [];
  for (let off = 0; off < data.length; off += 45) {
    const part = data.subarray(off, off + 45);
    let line = ch(part.length);
    for (let i = 0; i < part.length; i += 3) {
      const a = part[i]!;
      const b = part[i + 1] ?? 0;
      const c = part[i + 2] ?? 0;
      line += ch(a >> 2) + ch(((a & 3) << 4) | (b >> 4)) + ch(((b & 15) << 2) | (c >> 6)) + ch(c & 63);
    }
    lines.push(line);
  }
  lines.push('`');
  return lines.join('\n');
}
