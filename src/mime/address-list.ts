// RFC 5322 §3.4 address lists → {name, address} records: display names (quoted, encoded words,
// comments), angle addresses with obsolete routes, groups (flattened), obsolete CFWS around `@`,
// and garbage, which yields what it can and never throws. Pure; capped per header.
import type { AddressRecord } from './types.js';
import type { AnomalySink } from './anomaly-set.js';
import { decodeEncodedWords } from './encoded-word.js';

type TokKind = 'atom' | 'quoted' | 'comment' | 'angle' | 'comma' | 'semi' | 'colon';
interface Tok {
  kind: TokKind;
  text: string;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** Reads a delimited run starting after `open`; returns [content, index after the closer]. */
function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) out += s[++i]!;
    else if (c === '"') return [out, i + 1];
    else out += c;
  }
  return [out, i];
}

function readComment(s: string, i: number): [string, number] {
  let out = '';
  let depth = 1;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) out += s[++i]!;
    else if (c === '(') { depth++; out += c; }
    else if (c === ')') {
      if (--depth === 0) return [out, i + 1];
      out += c;
    } else out += c;
  }
  return [out, i];
}

function tokenize(s: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) { i++; continue; }
    if (c === 0x22) {
      const [text, next] = readQuoted(s, i + 1);
      toks.push({ kind: 'quoted', text });
      i = next;
    } else if (c === 0x28) {
      const [text, next] = readComment(s, i + 1);
      toks.push({ kind: 'comment', text });
      i = next;
    } else if (c === 0x3c) {
      const end = s.indexOf('>', i + 1);
      toks.push({ kind: 'angle', text: s.slice(i + 1, end < 0 ? s.length : end) });
      i = end < 0 ? s.length : end + 1;
    } else if (c === 0x2c) { toks.push({ kind: 'comma', text: ',' }); i++; }
    else if (c === 0x3b) { toks.push({ kind: 'semi', text: ';' }); i++; }
    else if (c === 0x3a) { toks.push({ kind: 'colon', text: ':' }); i++; }
    else {
      let j = i + 1;
      while (j < s.length) {
        const d = s.charCodeAt(j);
        if (isSpace(d) || d === 0x22 || d === 0x28 || d === 0x3c || d === 0x2c || d === 0x3b || d === 0x3a) break;
        j++;
      }
      toks.push({ kind: 'atom', text: s.slice(i, j) });
      i = j;
    }
  }
  return toks;
}

/** Obsolete route (RFC 5322 §4.4): `<@a,@b:user@host>` → `user@host`. */
function stripRoute(addr: string): string {
  const a = addr.trim();
  if (a.startsWith('@')) {
    const colon = a.indexOf(':');
    if (colon >= 0) return a.slice(colon + 1).trim();
  }
  return a;
}

function mailbox(toks: Tok[], sink: AnomalySink): AddressRecord | undefined {
  if (toks.length === 0) return undefined;
  const phrase: string[] = [];
  const comments: string[] = [];
  let angle: string | undefined;
  for (const t of toks) {
    if (t.kind === 'angle') { if (angle === undefined) angle = t.text; }
    else if (t.kind === 'comment') comments.push(t.text);
    else if (angle === undefined) phrase.push(t.text);
  }
  if (angle !== undefined) {
    const name = phrase.length > 0 ? phrase.join(' ') : comments.join(' ');
    const rec: AddressRecord = { address: stripRoute(angle) };
    if (name.trim() !== '') rec.name = decodeEncodedWords(name.trim(), sink);
    return rec;
  }
  // No angle brackets: an addr-spec, possibly with obsolete CFWS around its dots and `@`.
  let spec = '';
  for (const t of toks) {
    if (t.kind === 'atom') spec += t.text;
    else if (t.kind === 'quoted') spec += `"${t.text}"`;
  }
  const name = comments.join(' ').trim();
  if (spec.indexOf('@') < 0 && phrase.length > 1) {
    // A bare display name with no address (`To: John Smith`): keep the name.
    return { name: decodeEncodedWords(phrase.join(' '), sink), address: '' };
  }
  if (spec === '' && name === '') return undefined;
  const rec: AddressRecord = { address: spec };
  if (name !== '') rec.name = decodeEncodedWords(name, sink);
  return rec;
}

/** Parses an address list; at most `max` records (further ones dropped). */
export function parseAddressList(raw: string, max: number, sink: AnomalySink): AddressRecord[] {
  return simpleAddressList(raw, max, sink) ?? parseAddressListFully(raw, max, sink);
}

/** Characters that need the tokenizer outside a leading quoted name: comments, groups, and ';'. */
function needsTokenizer(c: number): boolean {
  return c === 0x28 || c === 0x29 || c === 0x3a || c === 0x3b;
}

/**
 * The shapes nearly all mail writes, `a@b`, `Name <a@b>`, `"Name" <a@b>` and lists of them
 * separated by commas, with no comments, groups, routes or quoted pairs, read without tokens (the
 * token objects were ~3% of a short message's parse, issue 12 item 6). Gives exactly what
 * parseAddressListFully gives (address-list.test.ts compares both on generated lists); undefined
 * for any other shape.
 */
function simpleAddressList(raw: string, max: number, sink: AnomalySink): AddressRecord[] | undefined {
  if (max <= 0) return undefined;
  const out: AddressRecord[] = [];
  let start = 0;
  let started = false;
  for (let i = 0; i <= raw.length; i++) {
    const c = i < raw.length ? raw.charCodeAt(i) : 0x2c;
    if (c === 0x22 /* " */) {
      // Only as a mailbox's first token, whole and without quoted pairs: its ',' and ':' are text.
      const close = raw.indexOf('"', i + 1);
      if (started || close < 0 || raw.lastIndexOf('\\', close) > i) return undefined;
      started = true;
      i = close;
      continue;
    }
    if (needsTokenizer(c)) return undefined;
    if (c !== 0x2c) {
      if (!isSpace(c)) started = true;
      continue;
    }
    // One mailbox in raw[start, i): a comma inside <...> leaves a '<' without its '>': not simple.
    if (out.length < max) {
      const rec = simpleMailbox(raw, start, i, sink);
      if (rec === null) return undefined;
      if (rec !== undefined) out.push(rec);
    }
    start = i + 1;
    started = false;
  }
  return out;
}

/**
 * `a@b`, `words <a@b>` or `"text" <a@b>` in raw[start, end); undefined when only whitespace; null
 * when not simple. With no ':' outside the quotes an angle address has no route: stripRoute is a trim.
 */
function simpleMailbox(raw: string, start: number, end: number, sink: AnomalySink): AddressRecord | undefined | null {
  while (start < end && isSpace(raw.charCodeAt(start))) start++;
  while (end > start && isSpace(raw.charCodeAt(end - 1))) end--;
  if (start === end) return undefined;
  let name = '';
  let from = start;
  if (raw.charCodeAt(start) === 0x22) {
    // The quoted name (checked whole by the caller) is the phrase; only '<' may follow it.
    const close = raw.indexOf('"', start + 1);
    name = raw.slice(start + 1, close);
    from = close + 1;
    while (from < end && isSpace(raw.charCodeAt(from))) from++;
    if (raw.charCodeAt(from) !== 0x3c /* < */) return null;
  }
  const lt = raw.indexOf('<', from);
  if (lt < 0 || lt >= end) {
    // One atom (no inner whitespace): the addr-spec itself.
    for (let i = start; i < end; i++) if (isSpace(raw.charCodeAt(i))) return null;
    return { address: raw.slice(start, end) };
  }
  // One '<', and the first '>' after the name is the mailbox's last character: the tokenizer's
  // angle token runs from '<' to the next '>', so one elsewhere (or a ',' inside the brackets) is
  // not simple.
  const second = raw.indexOf('<', lt + 1);
  if ((second >= 0 && second < end) || raw.indexOf('>', from) !== end - 1) return null;
  // An unquoted display name: the words before '<' joined by single spaces, as the tokenizer's atoms are.
  for (let w = from; w < lt; ) {
    while (w < lt && isSpace(raw.charCodeAt(w))) w++;
    let e = w;
    while (e < lt && !isSpace(raw.charCodeAt(e))) e++;
    if (e > w) name = name === '' ? raw.slice(w, e) : `${name} ${raw.slice(w, e)}`;
    w = e;
  }
  const rec: AddressRecord = { address: raw.slice(lt + 1, end - 1).trim() };
  const trimmed = name.trim();
  if (trimmed !== '') rec.name = decodeEncodedWords(trimmed, sink);
  return rec;
}

/** Every shape RFC 5322 §3.4 allows, and garbage (see the file comment). */
export function parseAddressListFully(raw: string, max: number, sink: AnomalySink): AddressRecord[] {
  const toks = tokenize(raw);
  const out: AddressRecord[] = [];
  let cur: Tok[] = [];
  let curHasAngle = false;
  const flush = (): void => {
    if (out.length < max) {
      const rec = mailbox(cur, sink);
      if (rec !== undefined) out.push(rec);
    }
    cur = [];
    curHasAngle = false;
  };
  for (const t of toks) {
    if (t.kind === 'comma' || t.kind === 'semi') {
      flush();
    } else if (t.kind === 'colon') {
      // RFC 5322 §3.4 group: `name: a, b;` — the group's display name is dropped.
      if (curHasAngle) continue;
      cur = [];
    } else {
      if (t.kind === 'angle') curHasAngle = true;
      cur.push(t);
    }
    if (out.length >= max) break;
  }
  if (out.length < max) flush();
  return out;
}
