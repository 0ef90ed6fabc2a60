// The server side of an SMTP session: reply framing and assembly, each reply matched to the oldest
// pending command (Zeek-style correction on the reply, reply-matcher.ts) and applied to the
// transactions and the session, unmatched replies, server-only feeds and server gaps. Consumes
// BORROWED server bytes.
import { authChallenge, authReply } from './session-auth.js';
import type { SessionParts } from './session-parts.js';
import { startTls } from './session-tls.js';
import { decideHold, holding, releaseStrict } from './smuggling-arbiter.js';
import type { Transaction } from './transaction.js';
import type { Trigger } from './transitions.js';
import { closeTx, endMessage, endTx, resumeInterrupted, startTx } from './tx-lifecycle.js';
import type { ReplyFacts } from './types.js';

export function serverBytes(p: SessionParts, chunk: Buffer): void {
  const reader = p.server;
  let off = 0;
  while (off < chunk.length) {
    if (reader.inTls && reader.takeTls(p.ctx, chunk, off)) return;
    const lines = reader.lines;
    off = lines.read(chunk, off);
    if (lines.lineBuf !== null) serverLine(p, lines.lineBuf, lines.lineStart, lines.lineEnd, lines.truncated);
  }
}

/** The server line buf[start, end) (no view of it is made: issue 12 item 6). */
export function serverLine(p: SessionParts, buf: Buffer, start: number, end: number, truncated: boolean): void {
  const ctx = p.ctx;
  // The proxy's answer to HTTP CONNECT is skipped, up to the blank line.
  if (!p.server.admit(ctx, end - start, truncated)) return;
  const step = p.replies.pushRange(buf, start, end);
  const first = p.record.serverLines++ === 0;
  // A midstream pickup usually starts inside a line: its tail is no reply, and no anomaly.
  if (step.t === 'invalid' && !(first && ctx.info.midstream)) ctx.anomaly('smtp_invalid_reply');
  else if (step.t === 'reply') {
    // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code. When they
    // disagree ("250-" then "550") the final line is the one clients act on, so it decides.
    if (step.codeChanged) ctx.anomaly('smtp_reply_code_mismatch', `final line ${step.reply.code}`);
    onReply(p, step.reply, step.lines);
  }
}

function onReply(p: SessionParts, reply: ReplyFacts, lines: readonly string[]): void {
  // Any reply that meets a pending command: the held data is read strictly first.
  if (holding(p) && p.matcher.pending.length > 0) releaseStrict(p);
  p.ctx.counters.reply(reply.code);
  matchReply(p, reply, lines);
}

/** A reply (already counted) meets the pending commands. */
export function matchReply(p: SessionParts, reply: ReplyFacts, lines: readonly string[]): void {
  const ctx = p.ctx;
  const m = p.matcher;
  const code = reply.code;
  if (m.greetingExpected) {
    m.greetingExpected = false;
    if (code === 220) p.record.banner = reply.text;
    return;
  }
  const head = m.pending.peek();
  if (head === undefined) {
    unmatchedReply(p, reply, lines);
    return;
  }
  if (head.trigger === 'AUTH' && code === 334) {
    authChallenge(ctx, reply.text);
    return;
  }
  const matched = m.take(ctx, reply);
  applyReply(p, matched.trigger, matched.arg, matched.tx, code, lines);
  ctx.replied(matched.trigger, code);
  m.answered(ctx, matched.tx);
}

function applyReply(p: SessionParts, trigger: Trigger, arg: number, tx: Transaction | null, code: number, lines: readonly string[]): void {
  const ctx = p.ctx;
  switch (trigger) {
    case 'HELO':
    case 'EHLO':
      if (tx !== null && tx.resetPending) {
        tx.resetPending = false;
        // RFC 5321 §4.1.4: only an accepted HELO/EHLO resets the transaction it came in.
        if (code >= 200 && code < 300 && tx === ctx.tx) endTx(ctx, p.matcher);
      }
      if (code >= 200 && code < 300) keywords(p, lines);
      break;
    case 'MAIL':
      if (tx !== null && tx.interrupted !== null && resumeInterrupted(ctx, p.matcher, tx, code)) break;
      // A nested MAIL refused with 503 ("sender already given", Zeek's
      // smtp-mail-transactions-invalid): the server kept its envelope, so the refusal is not this one's.
      if (tx !== null && !(tx.nested && code === 503)) tx.mailCode = code;
      break;
    case 'RCPT':
      if (tx !== null && arg >= 0) tx.rcpts[arg]!.code = code;
      break;
    case 'DATA':
      if (tx !== null) tx.dataCode = code;
      break;
    case 'data_end':
      if (tx !== null) tx.endCode = code;
      break;
    case 'BDAT':
      // RFC 3030 §2: the reply to the LAST chunk is the transaction's; a refused chunk refuses it.
      if (tx !== null && arg === 1) tx.endCode = code;
      else if (tx !== null && code >= 400) tx.dataCode = code;
      break;
    case 'AUTH':
      authReply(ctx, code);
      break;
    case 'STARTTLS':
      if (code === 220) startTls(p);
      break;
    default:
      break;
  }
}

function keywords(p: SessionParts, lines: readonly string[]): void {
  if (p.record.keywords(lines, p.ctx.opts.limits.line_length) && p.ctx.starttls === undefined) p.ctx.starttls = 'offered';
}

function unmatchedReply(p: SessionParts, reply: ReplyFacts, lines: readonly string[]): void {
  const ctx = p.ctx;
  const tx = ctx.tx;
  if (ctx.mode === 'data' && tx !== null) {
    // A reply with no pending command while the data is held: it answers an end of data.
    if (holding(p)) {
      decideHold(p, reply, lines);
      return;
    }
    // The server ended the data where we did not: the end fell into a gap, or the server took a
    // non-standard terminator (<LF>.<LF>, smtp-url-base64 in suricata-verify), or it gave up
    // (421). This is the reply to the end of data; the client's next lines are commands.
    if (!tx.gapped && (p.inputIfAny?.dataIfAny?.smugglingSeen ?? 0) === 0) ctx.anomaly('smtp_unmatched_reply', `${reply.code} inside DATA`);
    tx.anyReply = true;
    tx.lastReply = reply;
    tx.endCode = reply.code;
    endMessage(ctx, tx);
    ctx.event('unmatched_reply_in_data');
    closeTx(ctx, p.matcher);
    return;
  }
  if (p.record.bytesClient === 0 && p.record.commands === 0) {
    // Server-only capture: report what the replies show (an EHLO reply's keywords, messages).
    if (reply.code === 250 && lines.length > 1) keywords(p, lines);
    else serverOnlyMessage(p, reply);
    return;
  }
  if (p.matcher.serverResync) return;
  ctx.anomaly('smtp_unmatched_reply', String(reply.code));
}

/**
 * Server-only feed (issue 13): the client's commands are never seen, but the replies show each
 * message. A 354 opens a transaction (empty envelope: the schema's `mail_from: ""`), the next
 * reply is the one to the end of data (RFC 5321 §4.1.1.4: 250 with the queue id, or a refusal)
 * and gives its status. A 354 with no final reply stays `unknown`.
 */
function serverOnlyMessage(p: SessionParts, reply: ReplyFacts): void {
  const ctx = p.ctx;
  const tx = ctx.tx;
  if (reply.code === 354) {
    if (tx !== null) closeTx(ctx, p.matcher);
    const t = startTx(ctx);
    t.dataCode = 354;
    return;
  }
  if (tx === null || tx.dataCode !== 354) return;
  tx.anyReply = true;
  tx.lastReply = reply;
  tx.endCode = reply.code;
  tx.endData();
  closeTx(ctx, p.matcher);
}

export function serverGap(p: SessionParts, len: number): void {
  releaseStrict(p);
  const reader = p.server;
  if (reader.inTls) {
    p.ctx.tlsHandshake?.gap('s2c');
    return;
  }
  reader.lines.gap(len);
  p.replies.reset();
  p.ctx.anomaly('smtp_gap_recovery', 'server');
  p.matcher.gap(p.ctx, len);
}

/** A last reply line without its CRLF when the connection closes. */
export function serverClose(p: SessionParts): void {
  if (p.server.inTls) return;
  const line = p.server.lines.flush();
  if (line !== null) serverLine(p, line, 0, line.length, p.server.lines.truncated);
}
