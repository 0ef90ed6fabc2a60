// ISO-2022-JP (RFC 1468), which iconv-lite lacks, as a streaming re-encoder to EUC-JP bytes that
// iconv-lite then decodes: JIS X 0208 pairs gain the high bit, JIS X 0201 kana gain an SS2 prefix.
// State: the current escape mode and an unfinished escape or double-byte pair across chunks.

const ESC = 0x1b;
const SS2 = 0x8e;

type Mode = 'ascii' | 'roman' | 'jis0208' | 'kana';

export class Iso2022JpToEucJp {
  private mode: Mode = 'ascii';
  /** Bytes of an escape sequence or a half pair split across writes (at most 3). */
  private pending: number[] = [];

  /** Re-encodes `input` into EUC-JP bytes (owned). */
  write(input: Buffer): Buffer {
    const out = Buffer.allocUnsafe((input.length + this.pending.length) * 2);
    let o = 0;
    const bytes = this.pending.length > 0 ? Buffer.concat([Buffer.from(this.pending), input]) : input;
    this.pending = [];
    let i = 0;
    const n = bytes.length;
    while (i < n) {
      const c = bytes[i]!;
      if (c === ESC) {
        if (n - i < 3) { for (let k = i; k < n; k++) this.pending.push(bytes[k]!); break; }
        const a = bytes[i + 1]!;
        const b = bytes[i + 2]!;
        // RFC 1468 §2: ESC ( B ascii, ESC ( J roman, ESC $ @ / ESC $ B JIS X 0208, ESC ( I kana.
        if (a === 0x28 && b === 0x42) this.mode = 'ascii';
        else if (a === 0x28 && b === 0x4a) this.mode = 'roman';
        else if (a === 0x28 && b === 0x49) this.mode = 'kana';
        else if (a === 0x24 && (b === 0x40 || b === 0x42)) this.mode = 'jis0208';
        else { out[o++] = c; i += 1; continue; }
        i += 3;
        continue;
      }
      if (this.mode === 'jis0208' && c >= 0x21 && c <= 0x7e) {
        if (i + 1 >= n) { this.pending.push(c); break; }
        out[o++] = c | 0x80;
        out[o++] = bytes[i + 1]! | 0x80;
        i += 2;
        continue;
      }
      if (this.mode === 'kana' && c >= 0x21 && c <= 0x5f) {
        out[o++] = SS2;
        out[o++] = c | 0x80;
        i++;
        continue;
      }
      out[o++] = c;
      i++;
    }
    return out.subarray(0, o);
  }
}
