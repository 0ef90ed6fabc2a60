// Content-Type / Content-Disposition values: the media type or disposition token and its
// parameters, quoted or not, with RFC 2231 charset/language, `*N`/`*N*` continuations and
// percent-encoding, and RFC 2047 encoded words inside quoted names as Outlook writes them.
// Pure; consumes the unfolded header text, produces lower-case names and decoded values.
import type { AnomalySink } from './anomaly-set.js';
import { decodeBytes, resolveCharset } from './charset.js';
import { decodeEncodedWords } from './encoded-word.js';

export interface StructuredValue {
  /** Lower-case token before the first `;` (e.g. `multipart/mixed`, `attachment`). */
  value: string;
  /** Lower-case parameter names → decoded values; the first of duplicates wins. */
  params: Map<string, string>;
}

interface Segment {
  index: number;
  encoded: boolean;
  text: string;
}

/** Removes RFC 5322 comments outside quoted strings (`text/plain (body)` → `text/plain`). */
function stripComments(s: string): string {
  if (s.indexOf('(') < 0) return s;
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      out += c;
      if (c === '\\' && i + 1 < s.length) out += s[++i]!;
      else if (c === '"') quoted = false;
    } else if (depth > 0) {
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
    } else if (c === '(') depth = 1;
    else {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return out;
}

/** Splits `a=1; b="x;y"` on top-level semicolons. */
function splitParams(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x3b) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 1 && t.charCodeAt(0) === 0x22) {
    const end = t.length >= 2 && t.charCodeAt(t.length - 1) === 0x22 ? t.length - 1 : t.length;
    const inner = t.slice(1, end);
    // Most quoted values hold no quoted pair: no regex replace (a copy) for them.
    return inner.includes('\\') ? inner.replace(/\\(.)/g, '$1') : inner;
  }
  return t;
}

/** RFC 2231 §4: `%XX` escapes to bytes; other characters as their UTF-8 bytes. */
function percentDecode(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) out.push(c);
    else for (const b of Buffer.from(s[i]!, 'utf8')) out.push(b);
  }
  return Buffer.from(out);
}

function joinSegments(segs: Segment[], sink: AnomalySink): string {
  segs.sort((a, b) => a.index - b.index);
  let charset: string | undefined;
  const bytes: Buffer[] = [];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    let text = seg.text;
    if (seg.encoded && i === 0) {
      // RFC 2231 §4: charset'language'value on the first segment only.
      const q1 = text.indexOf("'");
      const q2 = q1 >= 0 ? text.indexOf("'", q1 + 1) : -1;
      if (q2 >= 0) {
        charset = text.slice(0, q1);
        text = text.slice(q2 + 1);
      }
    }
    bytes.push(seg.encoded ? percentDecode(text) : Buffer.from(text, 'utf8'));
  }
  const all = Buffer.concat(bytes);
  if (charset === undefined || charset === '') return all.toString('utf8');
  const cs = resolveCharset(charset);
  if (cs === undefined) {
    sink.add('mime_unknown_charset');
    return all.toString('latin1');
  }
  return decodeBytes(all, cs);
}

/** Parses a structured header value; never throws. */
export function parseStructured(raw: string, sink: AnomalySink): StructuredValue {
  const parts = splitParams(stripComments(raw));
  const value = (parts[0] ?? '').trim().toLowerCase();
  const params = new Map<string, string>();
  const extended = new Map<string, Segment[]>();
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const key = p.slice(0, eq).trim().toLowerCase();
    const rawVal = p.slice(eq + 1);
    const star = key.indexOf('*');
    if (star < 0) {
      if (!params.has(key)) params.set(key, unquote(rawVal));
      continue;
    }
    const name = key.slice(0, star);
    const rest = key.slice(star + 1);
    let index = 0;
    let encoded = false;
    if (rest === '') encoded = true;
    else {
      const m = /^(\d{1,4})(\*?)$/.exec(rest);
      if (m === null) continue;
      index = Number(m[1]);
      encoded = m[2] === '*';
    }
    let segs = extended.get(name);
    if (segs === undefined) extended.set(name, (segs = []));
    segs.push({ index, encoded, text: unquote(rawVal) });
  }
  // RFC 2231 values take precedence over plain ones of the same name (they carry the charset).
  for (const [name, segs] of extended) params.set(name, joinSegments(segs, sink));
  for (const key of ['name', 'filename']) {
    const v = params.get(key);
    if (v !== undefined && !extended.has(key) && v.indexOf('=?') >= 0) params.set(key, decodeEncodedWords(v, sink));
  }
  return { value, params };
}
