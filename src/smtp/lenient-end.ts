// SMTP smuggling against a lenient receiver (SEC Consult, 2023; issue 15): a client ends its data
// with a non-standard terminator (<LF>.<CRLF> …) and pipelines the envelope of a second message
// behind it. A strict receiver reads all of it as one message; a lenient one queues two. Only the
// server's replies tell which, so the session holds the client bytes after a lenient terminator
// (bounded by limits.smuggling_holdback) until a reply decides. This file holds those bytes and
// the pure tests the decision uses; the session (session.ts) wires them. Owns the held copy.
import { commandVerb } from './command.js';
import type { Verb } from './command.js';
import type { ReplyFacts } from './types.js';
import { CR, LF } from '../shared/bytes.js';

/** The lenient terminators a receiver is known to accept, named by their bytes. */
export type LenientForm = 'LF.LF' | 'LF.CRLF' | 'CRLF.LF' | 'CR.CR';

const STRICT_END = Buffer.from('\r\n.\r\n', 'latin1');

/**
 * Offset just after the first strict <CRLF>.<CRLF> in bytes that follow a lenient terminator of
 * `form`, or -1. The terminator's own line ending counts as the CRLF before the dot when it ends
 * in CRLF (LF.CRLF), or in CR when the next byte is LF (CR.CR).
 */
export function strictEndAfter(form: LenientForm, bytes: Buffer): number {
  if (form === 'LF.CRLF' && bytes.length >= 3 && bytes[0] === 0x2e && bytes[1] === CR && bytes[2] === LF) return 3;
  if (form === 'CR.CR' && bytes.length >= 4 && bytes[0] === LF && bytes[1] === 0x2e && bytes[2] === CR && bytes[3] === LF) return 4;
  const at = bytes.indexOf(STRICT_END);
  return at < 0 ? -1 : at + STRICT_END.length;
}

/** Where the commands after a lenient terminator start: a CR-terminating receiver skips the LF of CR LF. */
export function commandsStart(form: LenientForm, bytes: Buffer): number {
  return form === 'CR.CR' && bytes[0] === LF ? 1 : 0;
}

/** The verb of the complete line starting at `from` ('other' when not a command), or null without one. */
export function lineVerb(bytes: Buffer, from: number): Verb | null {
  const lf = bytes.indexOf(LF, from);
  if (lf < 0) return null;
  const end = lf > from && bytes[lf - 1] === CR ? lf - 1 : lf;
  return commandVerb(bytes.subarray(from, end));
}

/**
 * Could `code` answer `verb` (RFC 5321 §4.3.2, RFC 4954, RFC 3207)? Any command may be refused;
 * 354 answers only DATA, 221 only QUIT, 334 only AUTH, 220 only STARTTLS, 235 only AUTH.
 */
export function replyFits(verb: Verb, code: number): boolean {
  if (code >= 400) return true;
  switch (verb) {
    case 'DATA': return code === 354;
    case 'QUIT': return code === 221;
    case 'AUTH': return code === 334 || code === 235;
    case 'STARTTLS': return code === 220;
    case 'other': return false;
    default: return code >= 200 && code < 300 && code !== 220 && code !== 221 && code !== 235;
  }
}

export interface HeldReply {
  reply: ReplyFacts;
  lines: readonly string[];
}

/** Client bytes after a lenient terminator, copied, and the first reply while undecided. */
export class DataHoldback {
  readonly form: LenientForm;
  size = 0;
  /** The reply to the end of data, kept while it fits both readings (see SmtpSession.decideHold). */
  firstReply: HeldReply | null = null;
  private parts: Buffer[] = [];

  constructor(form: LenientForm) {
    this.form = form;
  }

  append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.parts.push(Buffer.from(bytes));
    this.size += bytes.length;
  }

  bytes(): Buffer {
    if (this.parts.length !== 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0]!;
  }
}

/** Where the server may have ended the data inside the held bytes. */
export interface LenientEnd {
  form: LenientForm;
  /** The hold's own terminator (the data reader stopped after it) rather than one inside the bytes. */
  own: boolean;
  /** Bytes of the held copy that are still message content (0 for the own terminator). */
  cut: number;
  /** Where the commands start in the held copy. */
  rest: number;
  /** The first command's verb there ('other' when not a command; null without a complete line). */
  verb: Verb | null;
}

function isCommand(v: Verb | null): boolean {
  return v !== null && v !== 'other';
}

/**
 * The lenient terminator the server must have used: the first one, among the hold's own and those
 * in `held[0, before)`, that is followed by a command line (a receiver that ended the data there
 * read that line as a command); null when none is.
 */
export function findLenientEnd(form: LenientForm, held: Buffer, before: number): LenientEnd | null {
  const ownRest = commandsStart(form, held);
  const ownVerb = lineVerb(held, ownRest);
  if (isCommand(ownVerb)) return { form, own: true, cut: 0, rest: ownRest, verb: ownVerb };
  for (let i = held.indexOf(0x2e, 1); i >= 0 && i < before; i = held.indexOf(0x2e, i + 1)) {
    const found = lenientAt(held, i);
    if (found === null || found.rest > before) continue;
    const verb = lineVerb(held, found.rest);
    if (isCommand(verb)) return { ...found, own: false, verb };
  }
  return null;
}

/** The hold's own terminator as a LenientEnd (the server ended there, whatever follows). */
export function ownLenientEnd(form: LenientForm, held: Buffer): LenientEnd {
  const rest = commandsStart(form, held);
  return { form, own: true, cut: 0, rest, verb: lineVerb(held, rest) };
}

/** A lenient terminator whose dot is held[i], or null (a strict <CRLF>.<CRLF> is none). */
function lenientAt(held: Buffer, i: number): Omit<LenientEnd, 'own' | 'verb'> | null {
  const prev = held[i - 1];
  const next = held[i + 1];
  const crlf = next === CR && held[i + 2] === LF;
  if (prev === LF) {
    if (i >= 2 && held[i - 2] === CR) return next === LF ? { form: 'CRLF.LF', cut: i, rest: i + 2 } : null;
    if (next === LF) return { form: 'LF.LF', cut: i, rest: i + 2 };
    return crlf ? { form: 'LF.CRLF', cut: i, rest: i + 3 } : null;
  }
  if (prev === CR && next === CR) return { form: 'CR.CR', cut: i, rest: held[i + 2] === LF ? i + 3 : i + 2 };
  return null;
}
