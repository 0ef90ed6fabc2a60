// The life of a mail transaction inside a session (SPEC §3.1): opened by MAIL (or implicitly by
// RCPT/DATA/BDAT), its message parser made on the first data byte, ended on the client side
// (RSET, QUIT, a new MAIL, HELO/EHLO, the end of data, close) and handed to the reply matcher to be
// written once its replies are in; a nested MAIL the server refused folds back into the
// transaction it interrupted. Functions over the shared context: no state of their own.
import type { Verb } from './command.js';
import type { MessageParser } from './message-parser.js';
import type { ReplyMatcher } from './reply-matcher.js';
import type { SessionContext } from './session-context.js';
import { Transaction } from './transaction.js';

export function startTx(ctx: SessionContext): Transaction {
  ctx.txCount++;
  const limit = ctx.opts.limits.transactions;
  if (ctx.txCount === limit + 1) ctx.anomaly('smtp_transactions_exceeded', `more than ${limit} transactions`);
  const tx = new Transaction(ctx.now, ctx.txCount, ctx.helo, ctx.auth, ctx.tlsActive, ctx.txCount <= limit);
  ctx.tx = tx;
  return tx;
}

/** RCPT/DATA/BDAT without MAIL: a transaction all the same (Zeek's smtp-mail-transactions-invalid). */
export function implicitTx(ctx: SessionContext, verb: Verb): Transaction {
  const tx = startTx(ctx);
  ctx.anomaly('smtp_rcpt_without_mail', verb);
  return tx;
}

/** The transaction's message parser, made on its first data byte (none beyond limits.transactions). */
export function parserOf(ctx: SessionContext, tx: Transaction): MessageParser | null {
  if (tx.parser === null && tx.message === undefined && tx.reported) {
    tx.parser = ctx.opts.newMessageParser({ mailFrom: tx.hasMail ? tx.mailFrom : undefined, srcIp: ctx.info.client.ip, dstIp: ctx.info.server.ip });
  }
  return tx.parser;
}

/**
 * Ends the transaction's message parser and reports its anomalies (SPEC §5: each counted in
 * mailtap_anomalies_total and written as an event). They were only listed in the transaction
 * before: a 10,000-deep MIME bomb counted nothing (issue 8, mime-hostile.test.ts).
 */
export function endMessage(ctx: SessionContext, tx: Transaction): void {
  for (const a of tx.endMessage()) ctx.out.anomaly(a, ctx.now);
}

/** The client finished the open transaction's message: it ends there (the reply may still come). */
export function messageSent(ctx: SessionContext, tx: Transaction): void {
  tx.endData();
  endMessage(ctx, tx);
}

/** The open transaction ends on the client side (RSET, QUIT, new MAIL, HELO/EHLO, close). */
export function endTx(ctx: SessionContext, m: ReplyMatcher, flush = true): void {
  const tx = ctx.tx;
  if (tx === null) return;
  if (tx.bdat && !tx.dataEnded) ctx.anomaly('smtp_bdat_missing_last');
  endMessage(ctx, tx);
  closeTx(ctx, m, flush);
}

/** `flush` false: the caller writes what is ready itself (after deciding whether to hold it). */
export function closeTx(ctx: SessionContext, m: ReplyMatcher, flush = true): void {
  const tx = ctx.tx;
  if (tx === null) return;
  tx.close();
  ctx.tx = null;
  m.finish(ctx, tx, flush);
}

/**
 * The reply to a nested MAIL. RFC 5321 §4.1.4: a refused command leaves the server's state as it
 * was, so after a 4xx/5xx the interrupted transaction goes on and takes in what the client sent
 * after that MAIL (suricata-verify firewall-132: 503 "nested MAIL command", then RCPT and DATA
 * deliver alice's message). True when the nested transaction was folded back into it.
 */
export function resumeInterrupted(ctx: SessionContext, m: ReplyMatcher, nested: Transaction, code: number): boolean {
  const prev = nested.interrupted!;
  nested.interrupted = null;
  prev.heldFor = null;
  // Only while nothing later was numbered: depths stay 1..n without holes.
  if (code < 400 || !m.finished.includes(prev) || nested.depth !== ctx.txCount) return false;
  if (ctx.tx !== nested && !m.finished.includes(nested)) return false;
  m.remove(prev);
  const limit = ctx.opts.limits.recipients;
  const offset = prev.absorb(nested, limit);
  // The MAIL being answered is still counted in nested.pending (onReply decrements the nested one).
  prev.pending--;
  m.pending.retarget(nested, prev, offset, limit);
  ctx.txCount--;
  if (ctx.tx === nested) ctx.tx = prev;
  else m.replace(nested, prev);
  return true;
}
