// Charset labels → text decoders. Normalises the labels real mail uses (RFC 2978 names, Microsoft
// and legacy aliases) onto iconv-lite codecs; caches what each label resolves to (bounded map).
// Consumes label strings and bytes; produces strings. Unknown labels return undefined: the caller
// keeps the raw text and raises mime_unknown_charset.
import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import iconv from 'iconv-lite';
import { Iso2022JpToEucJp } from './iso-2022-jp.js';

/** Labels whose plain iconv-lite meaning loses text found in real mail. */
const ALIASES: Readonly<Record<string, string>> = {
  // GB2312 mail is routinely GBK (Outlook, Foxmail): GB18030 is the superset that reads both.
  gb2312: 'gb18030', 'gb_2312-80': 'gb18030', gbk: 'gb18030', 'x-gbk': 'gb18030', 'euc-cn': 'gb18030',
  cp936: 'gb18030', 'chinese': 'gb18030', 'csgb2312': 'gb18030',
  // Microsoft's label for Korean is really Unified Hangul Code (CP949), a superset of EUC-KR.
  'ks_c_5601-1987': 'cp949', 'ks_c_5601-1989': 'cp949', 'ks_c_5601': 'cp949', 'euc-kr': 'cp949', 'korean': 'cp949',
  big5: 'cp950', 'big5-hkscs': 'big5hkscs', 'x-x-big5': 'cp950',
  'unicode-1-1-utf-7': 'utf7', 'utf-7': 'utf7', 'x-unicode20utf7': 'utf7',
  'x-sjis': 'shift_jis', 'ms_kanji': 'shift_jis', 'windows-31j': 'shift_jis', 'x-euc-jp': 'euc-jp',
  'iso-8859-8-i': 'iso-8859-8', 'iso-8859-6-i': 'iso-8859-6', 'tis-620': 'windows-874',
  latin1: 'iso-8859-1', 'ansi_x3.4-1968': 'us-ascii', 'x-mac-roman': 'macintosh',
  'utf8': 'utf-8', 'unicode-1-1-utf-8': 'utf-8',
};

/** Labels decoded by our own code before iconv-lite (see iso-2022-jp.ts). */
const ISO_2022_JP = new Set(['iso-2022-jp', 'csiso2022jp', 'iso-2022-jp-1', 'iso-2022-jp-2']);

/** A streaming decoder; `write` returns the text complete so far. */
export interface TextDecoderLike {
  write(buf: Buffer): string;
  end(): string;
  /**
   * True when the last write's text is exactly its bytes read as valid UTF-8, so the UTF-8 encoding
   * of that text is the write itself (text_sha256 then hashes the bytes instead of re-encoding).
   */
  readonly verbatim?: boolean;
}

export type CharsetKind = 'utf8' | 'ascii' | 'iso2022jp' | 'iconv';
export interface ResolvedCharset {
  readonly kind: CharsetKind;
  /** iconv-lite codec name (for 'iconv' and 'iso2022jp'). */
  readonly codec: string;
}

// Labels are attacker text: the cache keeps at most this many entries (then stops caching).
const CACHE_MAX = 256;
const cache = new Map<string, ResolvedCharset | null>();

/** Lower-cases, trims and unquotes a charset label, and drops an RFC 2231 `*lang` suffix. */
export function normaliseLabel(label: string): string {
  let s = label.trim().toLowerCase();
  if (s.length >= 2 && s.charCodeAt(0) === 0x22 && s.charCodeAt(s.length - 1) === 0x22) s = s.slice(1, -1).trim();
  const star = s.indexOf('*');
  if (star >= 0) s = s.slice(0, star);
  return s;
}

/** Resolves a label; undefined when neither iconv-lite nor our aliases know it. */
export function resolveCharset(label: string): ResolvedCharset | undefined {
  const norm = normaliseLabel(label);
  const hit = cache.get(norm);
  if (hit !== undefined) return hit ?? undefined;
  let res: ResolvedCharset | null = null;
  if (norm === 'utf-8' || norm === 'utf8' || ALIASES[norm] === 'utf-8') res = { kind: 'utf8', codec: 'utf8' };
  else if (norm === 'us-ascii' || norm === 'ascii' || norm === '' || ALIASES[norm] === 'us-ascii') res = { kind: 'ascii', codec: 'utf8' };
  else if (ISO_2022_JP.has(norm)) res = { kind: 'iso2022jp', codec: 'euc-jp' };
  else {
    const codec = ALIASES[norm] ?? norm;
    if (norm.length <= 64 && iconv.encodingExists(codec)) res = { kind: 'iconv', codec };
  }
  if (cache.size < CACHE_MAX) cache.set(norm, res);
  return res ?? undefined;
}

/** Bytes labelled US-ASCII that are not: valid UTF-8 is read as UTF-8, anything else as windows-1252. */
function decodeLooseAscii(buf: Buffer): string {
  return isUtf8(buf) ? buf.toString('utf8') : iconv.decode(buf, 'windows-1252');
}

/** Decodes a whole byte string (header words, parameters). */
export function decodeBytes(buf: Buffer, cs: ResolvedCharset): string {
  switch (cs.kind) {
    case 'utf8': return buf.toString('utf8');
    case 'ascii': return decodeLooseAscii(buf);
    case 'iso2022jp': return iconv.decode(new Iso2022JpToEucJp().write(buf), 'euc-jp');
    case 'iconv': return iconv.decode(buf, cs.codec);
  }
}

/** Raw header bytes with no declared charset: UTF-8 when valid (RFC 6532), else windows-1252. */
export function decodeRawHeader(buf: Buffer): string {
  return decodeLooseAscii(buf);
}

/**
 * decodeRawHeader of buf[0, end): ASCII (nearly every header value) is read straight off the
 * buffer, with no view and no native UTF-8 check (~2% of a short message, issue 12 item 6).
 */
export function decodeRawHeaderPrefix(buf: Buffer, end: number): string {
  for (let i = 0; i < end; i++) if (buf[i]! >= 0x80) return decodeLooseAscii(buf.subarray(0, end));
  return buf.toString('latin1', 0, end);
}

/**
 * While every write so far was whole, valid UTF-8 the bytes are decoded natively (TextDecoder's
 * streaming mode costs several times more); the first write that is not (invalid, or a sequence
 * cut between writes) hands this write and all later ones to a TextDecoder. The text is the same:
 * the valid prefix ended on a character boundary. A leading BOM is what TextDecoder drops at the
 * start, so a first write with one goes to TextDecoder; one started later must keep a U+FEFF.
 */
class Utf8Stream implements TextDecoderLike {
  private td: TextDecoder | undefined;
  private started = false;
  verbatim = false;
  write(buf: Buffer): string {
    if (this.td === undefined) {
      if (buf.length === 0) return '';
      const bom = !this.started && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf;
      if (!bom && isUtf8(buf)) {
        this.started = true;
        this.verbatim = true;
        return buf.toString('utf8');
      }
      this.verbatim = false;
      this.td = new TextDecoder('utf-8', { ignoreBOM: this.started });
    }
    return this.td.decode(buf, { stream: true });
  }
  end(): string { return this.td === undefined ? '' : this.td.decode(); }
}

class IconvStream implements TextDecoderLike {
  private readonly dec: iconv.DecoderStream;
  private readonly jp: Iso2022JpToEucJp | undefined;
  constructor(codec: string, jp: boolean) {
    this.dec = iconv.getDecoder(codec);
    this.jp = jp ? new Iso2022JpToEucJp() : undefined;
  }
  write(buf: Buffer): string { return this.dec.write(this.jp !== undefined ? this.jp.write(buf) : buf); }
  end(): string { return this.dec.end() ?? ''; }
}

/** A streaming decoder for body text. US-ASCII bodies are read as UTF-8 (8-bit text mislabelled). */
export function makeTextDecoder(cs: ResolvedCharset): TextDecoderLike {
  switch (cs.kind) {
    case 'utf8':
    case 'ascii': return new Utf8Stream();
    case 'iso2022jp': return new IconvStream('euc-jp', true);
    case 'iconv': return new IconvStream(cs.codec, false);
  }
}
