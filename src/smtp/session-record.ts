// What the session event reports about the connection as a whole (SPEC §3.2): banner, EHLO
// keywords, counts of commands and bytes, first packet time. Owns those facts; the session's
// parts add to them as they read; facts() builds the event's fields at close.
import { KNOWN_EHLO_KEYWORDS } from './ehlo-keywords.js';
import type { SessionContext } from './session-context.js';
import type { SessionFacts } from './types.js';
import type { CloseReason, FlowSummary } from '../flow/types.js';

export class SessionRecord {
  firstMicros = -1;
  banner: string | undefined;
  /** Kept keywords, stored at their exact length (keywords()); null before the first EHLO reply. */
  ehloKeywords: string[] | null = null;
  private ehloKeywordChars = 0;
  commands = 0;
  serverLines = 0;
  bytesClient = 0;
  bytesServer = 0;
  gapBytes = 0;

  /** An accepted EHLO reply's keywords; true when STARTTLS is among the kept ones. */
  keywords(lines: readonly string[], lineLimit: number): boolean {
    // RFC 5321 §4.1.1.1: the first line is the greeting; each further line starts with a keyword.
    const kws = this.ehloKeywords ?? [];
    const had = kws.length;
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i]!;
      const sp = l.indexOf(' ');
      const kw = normaliseEhloKeyword(sp < 0 ? l : l.slice(0, sp));
      if (kw.length === 0 || kws.includes(kw)) continue;
      // A server inventing new keywords on every EHLO must not grow the session: the kept
      // keywords share the budget of one line (limits.line_length).
      if (this.ehloKeywordChars + kw.length > lineLimit) break;
      this.ehloKeywordChars += kw.length + 1;
      kws.push(kw);
    }
    // A copy holds exactly its keywords (a pushed-to array keeps spare room for the session's life).
    if (kws.length > had) this.ehloKeywords = kws.slice();
    return kws.includes('STARTTLS');
  }

  facts(ctx: SessionContext, reason: CloseReason, summary: FlowSummary): SessionFacts {
    const s: SessionFacts = {
      startMicros: summary.startMicros > 0 ? summary.startMicros : Math.max(this.firstMicros, 0),
      endMicros: summary.endMicros > 0 ? summary.endMicros : ctx.now,
      transactions: ctx.txCount,
      commands: this.commands,
      bytes_client: Math.max(summary.bytesClient, this.bytesClient),
      bytes_server: Math.max(summary.bytesServer, this.bytesServer),
      gap_bytes: Math.max(summary.gapBytes, this.gapBytes),
      close: reason,
      midstream: summary.midstream || ctx.info.midstream,
      anomalies: ctx.anomalies ?? [],
    };
    if (this.banner !== undefined) s.banner = this.banner;
    if (ctx.helo !== undefined) s.helo = ctx.helo;
    if (this.ehloKeywords !== null && this.ehloKeywords.length > 0) s.ehlo_keywords = this.ehloKeywords;
    if (ctx.auth !== null) s.auth = ctx.auth.facts(ctx.opts.logPasswords);
    if (ctx.starttls !== undefined) s.starttls = ctx.starttls;
    if (ctx.tls === 'implicit') s.implicit_tls = true;
    const tls = ctx.tlsHandshake?.facts();
    if (tls !== undefined && tls !== null) s.tls_handshake = tls;
    if (summary.oneSided !== null) s.one_sided = summary.oneSided;
    return s;
  }
}

/** The known keywords (ehlo-keywords.ts): a session keeps the table's string, not a copy of its own. */
const KNOWN: ReadonlyMap<string, string> = new Map(KNOWN_EHLO_KEYWORDS.map((k) => [k, k]));

/** A keyword that normaliseEhloKeyword leaves unchanged: upper case, digits, '=' and '-', a letter or digit first. */
const KEYWORD_AS_IS = /^[A-Z0-9][A-Z0-9=-]*$/;

/**
 * RFC 5321 §4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). Real servers break
 * it (Exim advertises PIPE_CONNECT), and the events schema holds keywords to the grammar (plus
 * `=` for the legacy `AUTH=LOGIN`), so any other character becomes `-` (PIPE_CONNECT is
 * reported as PIPE-CONNECT) and a keyword that does not start with a letter or digit is dropped.
 */
export function normaliseEhloKeyword(raw: string): string {
  // A known keyword is already in grammar: the table's string is returned (the same text).
  const known = KNOWN.get(raw);
  if (known !== undefined) return known;
  // Almost every other keyword already keeps the grammar too: it is returned as is, with no
  // upper-cased copy and no replace (issue 12 item 6); the result is the same as the general path's.
  if (KEYWORD_AS_IS.test(raw)) return raw;
  const kw = raw.toUpperCase().replace(/[^A-Z0-9=-]/g, '-');
  if (!/^[A-Z0-9]/.test(kw)) return '';
  return KNOWN.get(kw) ?? kw;
}
