// RFC 2047 encoded words, decoded as a token list (never with in-band sentinels): text runs and
// encoded words; whitespace between two encoded words is dropped (§6.2), and the bytes of adjacent
// words in one charset are joined before charset decoding, so a character split across two words
// decodes whole. Undecodable words stay as written and raise an anomaly. Pure; no state.
import type { AnomalySink } from './anomaly-set.js';
import { decodeBytes, normaliseLabel, resolveCharset } from './charset.js';

const WORD_RE = /=\?([^?\s]+)\?([bBqQ])\?([^\s?]*)\?=/g;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

interface Word {
  raw: string;
  charset: string;
  bytes: Buffer | undefined; // undefined: did not decode
  ok: boolean; // decodes and its charset is known
}
type Token = { kind: 'text'; text: string } | { kind: 'word'; word: Word };

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** RFC 2047 §4.2 Q encoding: `_` is a space, `=XX` a byte. Undefined on a bad escape. */
function decodeQ(text: string): Buffer | undefined {
  const out = Buffer.allocUnsafe(text.length * 3);
  let o = 0;
  let bad = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) out[o++] = 0x20;
    else if (c === 0x3d) {
      const h = i + 2 < text.length ? hexVal(text.charCodeAt(i + 1)) : -1;
      const l = h >= 0 ? hexVal(text.charCodeAt(i + 2)) : -1;
      if (l < 0) { bad = true; out[o++] = c; continue; }
      out[o++] = (h << 4) | l;
      i += 2;
    } else if (c > 0xff) {
      o += out.write(text[i]!, o, 'utf8');
    } else out[o++] = c;
  }
  return bad ? undefined : out.subarray(0, o);
}

function decodeB(text: string): Buffer | undefined {
  if (!B64_RE.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64');
}

function tokenize(raw: string, sink: AnomalySink): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  WORD_RE.lastIndex = 0;
  for (let m = WORD_RE.exec(raw); m !== null; m = WORD_RE.exec(raw)) {
    if (m.index > last) tokens.push({ kind: 'text', text: raw.slice(last, m.index) });
    const enc = m[2]!;
    const body = m[3]!;
    const bytes = enc === 'b' || enc === 'B' ? decodeB(body) : decodeQ(body);
    if (bytes === undefined) {
      sink.add('mime_bad_encoded_word');
      if (enc === 'b' || enc === 'B') sink.add('mime_invalid_base64');
    }
    const charset = normaliseLabel(m[1]!);
    const ok = bytes !== undefined && resolveCharset(charset) !== undefined;
    tokens.push({ kind: 'word', word: { raw: m[0], charset, bytes, ok } });
    last = m.index + m[0].length;
  }
  if (last < raw.length) tokens.push({ kind: 'text', text: raw.slice(last) });
  return tokens;
}

function isWsp(s: string): boolean {
  return /^[ \t\r\n]+$/.test(s);
}

/** Decodes every encoded word in `raw`; text outside words is kept as is. */
export function decodeEncodedWords(raw: string, sink: AnomalySink): string {
  if (raw.indexOf('=?') < 0) return raw;
  const tokens = tokenize(raw, sink);
  let out = '';
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'text') {
      const prev = tokens[i - 1];
      const next = tokens[i + 1];
      // RFC 2047 §6.2: whitespace between two encoded words is not displayed (undecodable words
      // stay as written, with their whitespace).
      const between = prev?.kind === 'word' && next?.kind === 'word' && prev.word.ok && next.word.ok && isWsp(t.text);
      if (!between) out += t.text;
      i++;
      continue;
    }
    // Gather a run of decodable words in one charset, separated only by whitespace.
    const first = t.word;
    if (!first.ok) {
      if (first.bytes !== undefined) sink.add('mime_unknown_charset');
      out += first.raw;
      i++;
      continue;
    }
    const parts: Buffer[] = [first.bytes!];
    let j = i + 1;
    for (;;) {
      let k = j;
      const sep = tokens[k];
      if (sep?.kind === 'text' && isWsp(sep.text)) k++;
      const w = tokens[k];
      if (w?.kind !== 'word' || !w.word.ok || w.word.charset !== first.charset) break;
      parts.push(w.word.bytes!);
      j = k + 1;
    }
    out += decodeBytes(parts.length === 1 ? parts[0]! : Buffer.concat(parts), resolveCharset(first.charset)!);
    i = j;
  }
  return out;
}
