// One Received header parsed (RFC 5321 §4.4 Stamp: FROM, BY, VIA, WITH, ID, FOR clauses, then
// `;` and the date) into the SPEC §3.1 `received_hops` entry, tolerant of what real MTAs write:
//   Postfix   from helo (rdns [ip]) by host (Postfix) with ESMTPS id Q for <a>; date
//   Sendmail  from helo (user@rdns [ip] (may be forged)) by host (8.15.2/8.15.2) with ESMTP id Q
//   Exim      from [ip] (helo=name) | from rdns ([ip]:port helo=name) by host with esmtps (TLS1.3) ...
//   Exchange  from host (10.1.2.3) | (2603:10b6::12) by host (10.1.2.4) with Microsoft SMTP Server (...)
//   Gmail     from rdns (rdns. [ip]) by mx.google.com with SMTPS id Q for <a> (Google Transport Security)
//   qmail     from unknown (HELO name) (ip) by host with SMTP; date
// Nothing found gives {} (the raw header stays in `received`). Pure.
import { commentEnd, innerText, isWsp, quotedEnd } from './header-lexer.js';
import { normaliseIp } from './ip-literal.js';
import { parseDateIso } from './date-iso.js';
import type { ReceivedHopRecord } from './types.js';

type Token = { k: 'word' | 'comment' | 'angle'; v: string } | { k: 'semi'; at: number };

const CLAUSES = new Set(['from', 'by', 'via', 'with', 'id', 'for']);
/** `IPv6:` (any case) after a literal's `[`. */
const IPV6_TAG = /^ipv6:/i;

/**
 * End (after `]`) of the bracketed address literal at `text[open] === '['`: `[` (`IPv6:`) then one or
 * more hex digits, ':' and '.', then `]` (Postfix, Sendmail, Gmail, Exim's `[ip]:port`); -1 if the
 * text there is not one. A scan, not a global regex with matchAll: ~2% of a short message.
 */
function bracketedEnd(text: string, open: number): number {
  let i = open + 1;
  if (IPV6_TAG.test(text.slice(i, i + 5))) i += 5;
  const first = i;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const hex = (c >= 0x30 && c <= 0x3a) || c === 0x2e || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
    if (!hex) break;
  }
  return i > first && text.charCodeAt(i) === 0x5d ? i + 1 : -1;
}
/** The HELO name that Exim (`helo=name`) and qmail (`HELO name`) put in the FROM comment. */
const HELO = /(?:^|[\s(])helo[=\s]\s*([^\s)]+)/i;
const HELO_ALL = new RegExp(HELO.source, 'gi');
/** Most comments name no HELO: the replace above is skipped for them (a test is cheaper than a copy). */
const HAS_HELO = /helo/i;
/** A date-time needs a time of day; Date.parse alone accepts a lone number as a date. */
const HAS_TIME = /\d{1,2}:\d{2}/;

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (isWsp(c)) {
      i++;
    } else if (c === '(') {
      const e = commentEnd(s, i);
      out.push({ k: 'comment', v: innerText(s.slice(i, e), ')') });
      i = e;
    } else if (c === '<') {
      const e = s.indexOf('>', i);
      const end = e < 0 ? s.length : e + 1;
      out.push({ k: 'angle', v: s.slice(i + 1, e < 0 ? end : e).trim() });
      i = end;
    } else if (c === ';') {
      out.push({ k: 'semi', at: i });
      i++;
    } else {
      let j = i;
      while (j < s.length && !isWsp(s[j]) && s[j] !== '(' && s[j] !== ';' && s[j] !== '<') {
        j = s[j] === '"' ? quotedEnd(s, j) : j + 1;
      }
      out.push({ k: 'word', v: s.slice(i, j) });
      i = j;
    }
  }
  return out;
}

/**
 * The first address of a comment: a bracketed literal, else a bare address as its first word.
 * A HELO argument is the client's claim, not its address (Exim: `from [10.0.0.2] (helo=[10.0.0.3])`).
 */
function ipInComment(comment: string): string | undefined {
  const text = HAS_HELO.test(comment) ? comment.replace(HELO_ALL, ' ') : comment;
  for (let open = text.indexOf('['); open >= 0; open = text.indexOf('[', open + 1)) {
    const close = bracketedEnd(text, open);
    if (close < 0) continue;
    const ip = normaliseIp(text.slice(open, close));
    if (ip !== undefined) return ip;
  }
  // Exchange and qmail: `(192.0.2.1)`, qmail with an ident or AUTH user: `(user@192.0.2.1)`.
  const first = /^\s*([^\s,;)]+)/.exec(text)?.[1];
  return first === undefined ? undefined : normaliseIp(first.slice(first.lastIndexOf('@') + 1));
}

/** An address literal as a clause's domain (`[192.0.2.1]`, `[192.0.2.1]:25`, `[IPv6:...]`). */
function literalIp(word: string): string | undefined {
  if (!word.startsWith('[')) return undefined;
  const close = word.indexOf(']');
  return close < 0 ? undefined : normaliseIp(word.slice(0, close + 1));
}

interface Clause {
  words: string[];
  comments: string[];
  /** Count of words written before the clause's first comment (-1: no comment). WITH keeps only
   * those: Exim writes `with esmtps (TLS1.3) tls CIPHER`. */
  wordsBeforeComment: number;
  angle?: string;
}

/** The clauses of the stamp tokens[0, end) by keyword; a keyword seen again is a plain word of the current clause. */
function clausesOf(tokens: readonly Token[], end: number): Map<string, Clause> {
  const clauses = new Map<string, Clause>();
  let cur: Clause | undefined;
  for (let i = 0; i < end; i++) {
    const t = tokens[i]!;
    if (t.k === 'semi') continue;
    // Keywords are two to four letters: longer words (host names, ids) are not lower-cased.
    const key = t.k === 'word' && t.v.length <= 4 ? t.v.toLowerCase() : '';
    if (CLAUSES.has(key) && !clauses.has(key)) {
      cur = { words: [], comments: [], wordsBeforeComment: -1 };
      clauses.set(key, cur);
    } else if (cur === undefined) {
      continue; // text before the first clause: qmail's `(qmail 1 invoked from network)`
    } else if (t.k === 'word') {
      cur.words.push(t.v);
    } else if (t.k === 'comment') {
      if (cur.wordsBeforeComment < 0) cur.wordsBeforeComment = cur.words.length;
      cur.comments.push(t.v);
    } else {
      cur.angle ??= t.v;
    }
  }
  return clauses;
}

/** from_host and from_ip of the FROM clause (see the file comment for the shapes). */
function originOf(from: Clause, hop: ReceivedHopRecord): void {
  const domain = from.words[0];
  const literal = domain === undefined ? undefined : literalIp(domain);
  // The address the receiving MTA recorded (TCP-info) wins over a literal the client announced.
  let ip: string | undefined;
  for (const c of from.comments) if ((ip ??= ipInComment(c)) !== undefined) break;
  ip ??= literal;
  let host = literal === undefined ? domain : undefined;
  if (host === undefined) {
    for (const c of from.comments) if ((host ??= HELO.exec(c)?.[1]) !== undefined) break;
  }
  if (host !== undefined) hop.from_host = host;
  if (ip !== undefined) hop.from_ip = ip;
}

export function parseReceived(value: string): ReceivedHopRecord {
  const tokens = tokenize(value);
  let lastSemi = -1;
  for (let i = 0; i < tokens.length; i++) if (tokens[i]!.k === 'semi') lastSemi = i;
  const clauses = clausesOf(tokens, lastSemi < 0 ? tokens.length : lastSemi);
  const hop: ReceivedHopRecord = {};
  const from = clauses.get('from');
  if (from !== undefined) originOf(from, hop);
  const by = clauses.get('by')?.words[0];
  if (by !== undefined) hop.by_host = by;
  const w = clauses.get('with');
  if (w !== undefined) {
    const words = w.wordsBeforeComment < 0 ? w.words : w.words.slice(0, w.wordsBeforeComment);
    if (words.length > 0) hop.with = words.join(' ');
  }
  const id = clauses.get('id');
  const idText = id?.words[0] ?? id?.angle;
  if (idText !== undefined) hop.id = idText;
  const rcpt = clauses.get('for');
  const forText = rcpt?.angle ?? rcpt?.words[0]?.replace(/^<|>$/g, '');
  if (forText !== undefined && forText !== '') hop.for = forText;
  const semi = tokens[lastSemi];
  if (semi?.k === 'semi') {
    // RFC 5321 §4.4: the date-time follows the last ';' of the stamp.
    const date = value.slice(semi.at + 1);
    if (HAS_TIME.test(date)) {
      const iso = parseDateIso(date);
      if (iso !== undefined) hop.time = iso;
    }
  }
  return hop;
}

