// Pure: one client line → an SMTP command (RFC 5321 §4.1). Verb table lookup in any letter case,
// MAIL/RCPT paths (angle brackets or not, null path, quoted local parts, UTF-8 per RFC 6531,
// source routes dropped) with ESMTP parameters, and BDAT arguments (RFC 3030). No state.
import { DASH, HTAB, SP, startsWithAsciiCI } from '../shared/bytes.js';

export type Verb =
  | 'HELO' | 'EHLO' | 'MAIL' | 'RCPT' | 'DATA' | 'BDAT' | 'RSET' | 'QUIT' | 'NOOP' | 'VRFY'
  | 'EXPN' | 'HELP' | 'AUTH' | 'STARTTLS' | 'ETRN' | 'XCLIENT' | 'other';

/** Four bytes as one number, most significant first. */
function code4(s: string): number {
  return ((s.charCodeAt(0) << 24) | (s.charCodeAt(1) << 16) | (s.charCodeAt(2) << 8) | s.charCodeAt(3)) >>> 0;
}

/**
 * buf[i..i+4) with bit 5 cleared (a-z folded to A-Z) as one number. Every verb is letters only,
 * and the only bytes that fold to a letter are that letter in either case, so comparing folded
 * words is an exact case-insensitive match (issue 12 item 6: no string per command line).
 */
function folded4(buf: Buffer, i: number): number {
  return (((buf[i]! & 0xdf) << 24) | ((buf[i + 1]! & 0xdf) << 16) | ((buf[i + 2]! & 0xdf) << 8) | (buf[i + 3]! & 0xdf)) >>> 0;
}

const FOUR_LETTER_VERBS: ReadonlyMap<number, Verb> = new Map<number, Verb>(
  (['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'QUIT', 'NOOP', 'VRFY', 'EXPN', 'HELP',
    'AUTH', 'ETRN'] as const).map((v) => [code4(v), v]),
);
const STAR = code4('STAR');
const TTLS = code4('TTLS');
const XCLI = code4('XCLI');

/** The verb of the first word line[at..end) (RFC 5321 §4.1, any letter case). */
function verbOf(line: Buffer, at: number, end: number): Verb {
  const n = end - at;
  if (n === 4) return FOUR_LETTER_VERBS.get(folded4(line, at)) ?? 'other';
  if (n === 8) return folded4(line, at) === STAR && folded4(line, at + 4) === TTLS ? 'STARTTLS' : 'other';
  if (n === 7) {
    const ent = (line[at + 4]! & 0xdf) === 0x45 && (line[at + 5]! & 0xdf) === 0x4e && (line[at + 6]! & 0xdf) === 0x54;
    return ent && folded4(line, at) === XCLI ? 'XCLIENT' : 'other';
  }
  return 'other';
}

export interface Command {
  verb: Verb;
  /** Bytes after the verb and its separating spaces (a view of the line). */
  arg: Buffer;
}

export type Params = Record<string, string | boolean>;

export interface PathArg {
  /** Without angle brackets; '' for the null path <>. */
  address: string;
  params: Params | undefined;
  /** The "FROM:" / "TO:" keyword was missing or misspelt (the path was still read). */
  malformed: boolean;
}

export type BdatArg =
  | { ok: true; size: number; last: boolean }
  | { ok: false; reason: 'missing' | 'not_a_number' | 'negative' | 'overflow' | 'junk' };

function isSpace(b: number): boolean {
  return b === SP || b === HTAB;
}

function skipSpaces(buf: Buffer, i: number, end = buf.length): number {
  while (i < end && isSpace(buf[i]!)) i++;
  return i;
}

/** The argument of a command that has none (shared, never written). */
const NO_ARG = Buffer.alloc(0);

/** End of the first word of buf[start, end). */
function wordEnd(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && !isSpace(buf[i]!)) i++;
  return i;
}

export function parseCommand(line: Buffer): Command {
  return parseCommandAt(line, 0, line.length);
}

/** parseCommand of the line buf[start, end), with no view made of the line itself (issue 12 item 6). */
export function parseCommandAt(buf: Buffer, start: number, end: number): Command {
  const verbEnd = wordEnd(buf, start, end);
  const at = skipSpaces(buf, verbEnd, end);
  // DATA, QUIT, RSET …: no argument, and no view made for it.
  return { verb: verbOf(buf, start, verbEnd), arg: at === end ? NO_ARG : buf.subarray(at, end) };
}

/** The command verb of a line alone (no argument view made): is this line a command? */
export function commandVerb(line: Buffer): Verb {
  return verbOf(line, 0, wordEnd(line, 0, line.length));
}

/** ASCII case-insensitive match of `word` (upper-case) at buf[i]. */
function matchWord(buf: Buffer, i: number, word: string): boolean {
  if (buf.length - i < word.length) return false;
  for (let k = 0; k < word.length; k++) {
    let c = buf[i + k]!;
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Index after a token starting at i: up to a space (or `stop`), quoted strings kept whole. */
function scanToken(buf: Buffer, i: number, stop: number): number {
  let quoted = false;
  while (i < buf.length) {
    const c = buf[i]!;
    if (quoted) {
      if (c === 0x5c) i++; // backslash quotes the next byte (RFC 5321 quoted-pairSMTP)
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === stop || (stop === SP && isSpace(c))) return i;
    i++;
  }
  return buf.length;
}

/** MAIL FROM / RCPT TO argument: `keyword` is 'FROM' or 'TO'. */
export function parsePathArg(arg: Buffer, keyword: 'FROM' | 'TO'): PathArg {
  let i = 0;
  let malformed = false;
  if (matchWord(arg, i, keyword)) {
    i = skipSpaces(arg, i + keyword.length);
    if (i < arg.length && arg[i] === 0x3a) i++;
    else malformed = true;
  } else malformed = true;
  i = skipSpaces(arg, i);
  let start: number;
  let end: number;
  if (i < arg.length && arg[i] === 0x3c) {
    start = i + 1;
    end = scanToken(arg, start, 0x3e);
    i = end < arg.length ? end + 1 : end;
    if (end >= arg.length) malformed = true;
  } else {
    start = i;
    end = scanToken(arg, i, SP);
    i = end;
  }
  // RFC 5321 §4.1.2 / App. C: a source route "@a,@b:" before the mailbox is ignored.
  if (end > start && arg[start] === 0x40) {
    const colon = arg.indexOf(0x3a, start);
    if (colon >= 0 && colon < end) start = colon + 1;
  }
  const address = arg.toString('utf8', start, end);
  return { address, params: parseParams(arg, i), malformed };
}

/**
 * The MAIL/RCPT parameter keywords of the SMTP extensions (RFC 1870 SIZE, RFC 6152 BODY, RFC 3461
 * RET/ENVID/NOTIFY/ORCPT, RFC 4954 AUTH, RFC 6531 SMTPUTF8, RFC 6710 MT-PRIORITY, RFC 2852 BY,
 * RFC 4865 HOLDFOR/HOLDUNTIL, RFC 7293 RRVS, RFC 8689 REQUIRETLS), upper case.
 */
const PARAM_KEYWORDS = ['SIZE', 'BODY', 'RET', 'ENVID', 'NOTIFY', 'ORCPT', 'AUTH', 'SMTPUTF8', 'MT-PRIORITY', 'BY', 'HOLDFOR', 'HOLDUNTIL', 'RRVS', 'REQUIRETLS'];

/**
 * The parameter key buf[start, end) upper-cased. A known keyword in any ASCII letter case is
 * recognised from its bytes (no latin1 string and no upper-cased copy; issue 12 item 6): a byte
 * outside ASCII never equals a keyword's, so the answer is the general path's.
 */
function paramKey(buf: Buffer, start: number, end: number): string {
  const n = end - start;
  for (const k of PARAM_KEYWORDS) if (k.length === n && startsWithAsciiCI(buf, start, end, k)) return k;
  return buf.toString('latin1', start, end).toUpperCase();
}

/** ESMTP parameters: keys upper-case, `true` for a keyword without '='. */
export function parseParams(arg: Buffer, from: number): Params | undefined {
  let params: Params | undefined;
  let i = skipSpaces(arg, from);
  while (i < arg.length) {
    let end = i;
    while (end < arg.length && !isSpace(arg[end]!)) end++;
    const eq = arg.indexOf(0x3d, i);
    params ??= {};
    if (eq >= 0 && eq < end) params[paramKey(arg, i, eq)] = arg.toString('utf8', eq + 1, end);
    else params[paramKey(arg, i, end)] = true;
    i = skipSpaces(arg, end);
  }
  return params;
}

/** RFC 3030 §2: "BDAT" SP chunk-size [SP end-marker]; chunk-size is 1*DIGIT. */
export function parseBdatArg(arg: Buffer): BdatArg {
  let i = 0;
  if (arg.length === 0) return { ok: false, reason: 'missing' };
  if (arg[0] === DASH) return { ok: false, reason: 'negative' };
  let size = 0;
  while (i < arg.length && arg[i]! >= 0x30 && arg[i]! <= 0x39) {
    size = size * 10 + (arg[i]! - 0x30);
    i++;
  }
  if (i === 0) return { ok: false, reason: 'not_a_number' };
  if (!Number.isSafeInteger(size)) return { ok: false, reason: 'overflow' };
  i = skipSpaces(arg, i);
  if (i === arg.length) return { ok: true, size, last: false };
  if (i > 0 && isSpace(arg[i - 1]!) && matchWord(arg, i, 'LAST') && skipSpaces(arg, i + 4) === arg.length) {
    return { ok: true, size, last: true };
  }
  return { ok: false, reason: 'junk' };
}

/** HELO/EHLO/other argument as text, trailing spaces dropped. */
export function argText(arg: Buffer): string {
  let end = arg.length;
  while (end > 0 && isSpace(arg[end - 1]!)) end--;
  return arg.toString('utf8', 0, end);
}
