// SMTP smuggling (issue 15, lenient-end.ts): after a lenient end of data (<LF>.<LF>, <CR>.<CR> …)
// the client's next bytes are held until the server's replies show where the server ended the
// data. A strict server ends it at <CRLF>.<CRLF> only (the held bytes are content); a lenient one
// at the lenient terminator (the held bytes are commands). Bounded by limits.smuggling_holdback.
import { afterDataRead } from './data-input.js';
import { findLenientEnd, lineVerb, ownLenientEnd, replyFits, strictEndAfter } from './lenient-end.js';
import type { LenientEnd } from './lenient-end.js';
import type { SessionParts } from './session-parts.js';
import { closeTx, messageSent } from './tx-lifecycle.js';
import type { ReplyFacts } from './types.js';

/** A lenient end of data awaits the server's verdict. */
export function holding(p: SessionParts): boolean {
  const input = p.inputIfAny;
  return input !== null && input.holdback !== null;
}

/** More client bytes while a lenient end of data awaits the server's verdict. */
export function holdMore(p: SessionParts, bytes: Buffer): void {
  const h = p.input.holdback!;
  const limit = p.ctx.opts.limits.smuggling_holdback;
  if (h.size + bytes.length <= limit) {
    h.append(bytes);
    return;
  }
  p.ctx.anomaly('smtp_smuggling_holdback_exceeded', `more than ${limit} bytes after ${h.form}`);
  releaseStrict(p);
  p.driver.clientBytes(bytes);
}

/**
 * The server's replies are the arbiter of where the data ended. No strict <CRLF>.<CRLF> in the
 * held bytes: the server can only have ended at a lenient terminator. A strict end too: both
 * readings expect this reply, so the next one decides. A strict server expects no reply (or one
 * that fits the command after the strict end); a lenient one answers the first smuggled command.
 */
export function decideHold(p: SessionParts, reply: ReplyFacts, lines: readonly string[]): void {
  const h = p.input.holdback!;
  const held = h.bytes();
  const strictEnd = strictEndAfter(h.form, held);
  const end = findLenientEnd(h.form, held, strictEnd < 0 ? held.length : strictEnd);
  if (h.firstReply === null) {
    if (strictEnd < 0) endLenient(p, reply, end ?? ownLenientEnd(h.form, held));
    else if (end === null) {
      releaseStrict(p);
      p.driver.matchReply(reply, lines);
    } else h.firstReply = { reply, lines };
    return;
  }
  const strictVerb = lineVerb(held, strictEnd);
  const strictFits = strictVerb !== null && replyFits(strictVerb, reply.code);
  if (end !== null && end.verb !== null && replyFits(end.verb, reply.code) && !strictFits) endLenient(p, h.firstReply.reply, end);
  else releaseStrict(p);
  p.driver.matchReply(reply, lines);
}

/** The data is read as RFC 5321 says: the lenient terminator and the held bytes are content. */
export function releaseStrict(p: SessionParts): void {
  const input = p.inputIfAny;
  const h = input?.holdback ?? null;
  if (input === null || h === null) return;
  input.holdback = null;
  input.data.resumeStrict(p);
  reread(p, h.bytes());
  if (h.firstReply !== null) p.driver.matchReply(h.firstReply.reply, h.firstReply.lines);
}

/** The server ended the data at `end`: the message ends there, the rest is read as commands. */
function endLenient(p: SessionParts, reply: ReplyFacts, end: LenientEnd): void {
  const ctx = p.ctx;
  const input = p.input;
  const h = input.holdback!;
  const tx = ctx.tx!;
  const held = h.bytes();
  input.holdback = null;
  if (!end.own) {
    // A later terminator: the own one and the bytes up to that one's dot are content.
    input.data.resumeStrict(p);
    input.data.holdLenient = false;
    input.data.read(held.subarray(0, end.cut), 0, p);
    afterDataRead(p);
  }
  input.data.reset();
  tx.anyReply = true;
  tx.lastReply = reply;
  tx.endCode = reply.code;
  messageSent(ctx, tx);
  ctx.event(end.verb !== null && end.verb !== 'other' ? 'lenient_end' : 'lenient_end_resync');
  closeTx(ctx, p.matcher);
  reread(p, held.subarray(end.rest));
}

function reread(p: SessionParts, bytes: Buffer): void {
  const input = p.input;
  const was = input.rereading;
  input.rereading = true;
  p.driver.clientBytes(bytes);
  input.rereading = was;
}
