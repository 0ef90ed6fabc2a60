// Matching replies to commands (RFC 2920: pipelining is always assumed possible). Owns the bounded
// pending-command FIFO (pending-queue.ts) and the transactions ended on the client side that still
// wait for replies, written in order once their replies are in. Also owns what the matcher expects
// next: the greeting, or (after a gap) replies it cannot place.
import { PendingQueue } from './pending-queue.js';
import type { PendingCommand } from './pending-queue.js';
import type { SessionContext } from './session-context.js';
import type { Transaction } from './transaction.js';
import type { Trigger } from './transitions.js';
import type { ReplyFacts } from './types.js';

/** The empty `finished` list every session starts with and returns to (frozen: shared). */
const NO_TRANSACTIONS: readonly Transaction[] = Object.freeze([]);

export class ReplyMatcher {
  readonly pending = new PendingQueue();
  /** Transactions ended on the client side, written in order once their replies are in. */
  finished: readonly Transaction[] = NO_TRANSACTIONS;
  /** The next reply is the greeting (false on midstream pickups and after a server-side gap). */
  greetingExpected: boolean;
  /** A gap made matching unreliable: unmatched replies are expected until the next MAIL/HELO/EHLO. */
  serverResync: boolean;

  constructor(midstream: boolean) {
    // A midstream pickup's first reply is no greeting, and replies to commands sent before the
    // capture began are expected.
    this.greetingExpected = !midstream;
    this.serverResync = midstream;
  }

  /** A command now waits for its reply (SPEC §6: past the bound the queue is cleared). */
  push(ctx: SessionContext, trigger: Trigger, tx: Transaction | null, arg: number): void {
    const limit = ctx.opts.limits.pending_commands;
    if (this.pending.length >= limit) {
      ctx.anomaly('smtp_excessive_pending_cmds', `more than ${limit} unanswered`);
      this.dropPending();
      this.flush(ctx, false);
    }
    this.pending.push({ trigger, tx, arg });
    if (tx !== null) tx.pending++;
    // Replies lost or misattributed around a gap stop being expected when a new envelope starts.
    if (trigger === 'MAIL' || trigger === 'EHLO' || trigger === 'HELO') this.serverResync = false;
  }

  /** Every pending command is forgotten: its reply will never be matched. */
  dropPending(): void {
    for (const c of this.pending.clear()) if (c.tx !== null) c.tx.pending--;
  }

  /**
   * The command a reply answers (the head of the queue, or the one its code belongs to), taken off
   * the queue; its transaction records the reply. The caller applies it, then calls answered().
   */
  take(ctx: SessionContext, reply: ReplyFacts): PendingCommand {
    const code = reply.code;
    this.skipToExpected(ctx, this.pending.peek()!.trigger, code);
    const matched = this.pending.shift()!;
    const tx = matched.tx;
    // An accepted HELO/EHLO ends its transaction as RSET does; like RSET's, its reply is not the transaction's.
    const resets = (matched.trigger === 'HELO' || matched.trigger === 'EHLO') && code >= 200 && code < 300;
    if (tx !== null && !resets) {
      tx.anyReply = true;
      tx.lastReply = reply;
    }
    return matched;
  }

  /** The reply to one of `tx`'s commands was applied: it may now be written. */
  answered(ctx: SessionContext, tx: Transaction | null): void {
    if (tx === null) return;
    tx.pending--;
    this.flush(ctx, false);
  }

  /**
   * Correct on the reply: some codes answer one command only (354 DATA, 334/235 AUTH, 221 QUIT).
   * When such a reply meets another command at the head of the queue, the replies of the commands
   * before its own were lost (a reply without its CRLF, a truncated capture): skip them.
   */
  private skipToExpected(ctx: SessionContext, head: Trigger, code: number): void {
    const want: Trigger | null = code === 354 ? 'DATA' : code === 221 ? 'QUIT' : code === 334 || code === 235 ? 'AUTH' : null;
    if (want === null || head === want) return;
    const at = this.pending.indexOf(want);
    if (at <= 0) return;
    ctx.anomaly('smtp_unmatched_reply', `${code} answers ${want}: ${at} earlier command(s) left unanswered`);
    for (let i = 0; i < at; i++) {
      const skipped = this.pending.shift()!;
      if (skipped.tx !== null) skipped.tx.pending--;
    }
  }

  /** A transaction ended on the client side; `flush` false: the caller writes what is ready itself. */
  finish(ctx: SessionContext, tx: Transaction, flush: boolean): void {
    if (this.finished === NO_TRANSACTIONS) this.finished = [tx];
    else (this.finished as Transaction[]).push(tx);
    if (flush) this.flush(ctx, false);
  }

  /** Write, in order, the ended transactions whose replies are all in (all of them at close). */
  flush(ctx: SessionContext, all: boolean): void {
    while (this.finished.length > 0) {
      const tx = this.finished[0]!;
      if (!all && (tx.pending > 0 || this.isHeld(tx))) return;
      if (this.finished.length === 1) this.finished = NO_TRANSACTIONS; // no backing store kept
      else (this.finished as Transaction[]).shift();
      if (tx.reported) ctx.out.transaction(tx.facts(ctx.opts.logPasswords));
    }
  }

  /** `prev` leaves the list (folded into a later one: tx-lifecycle.ts resumeInterrupted); false when it is not in it. */
  remove(prev: Transaction): boolean {
    const at = this.finished.indexOf(prev);
    if (at < 0) return false;
    (this.finished as Transaction[]).splice(at, 1);
    return true;
  }

  /** `to` takes `from`'s place in the list. */
  replace(from: Transaction, to: Transaction): void {
    (this.finished as Transaction[])[this.finished.indexOf(from)] = to;
  }

  /** An interrupted transaction whose nested MAIL still awaits the reply that decides its fate. */
  private isHeld(tx: Transaction): boolean {
    const n = tx.heldFor;
    if (n === null) return false;
    if (n.interrupted === tx && this.pending.awaits('MAIL', n)) return true;
    // The MAIL's reply will never be matched (a gap, the pending limit): nothing to wait for.
    tx.heldFor = null;
    n.interrupted = null;
    return false;
  }

  /**
   * Server bytes were lost: which replies is unknown, so every transaction still waiting for one is
   * touched (the first counts the gap), the queue is dropped and unmatched replies are expected.
   */
  gap(ctx: SessionContext, len: number): void {
    this.greetingExpected = false;
    let first = true;
    for (const t of this.finished) {
      t.gapped = true;
      if (first) t.gapBytes += len;
      first = false;
    }
    if (ctx.tx !== null) {
      ctx.tx.gapped = true;
      if (first) ctx.tx.gapBytes += len;
    }
    this.dropPending();
    this.serverResync = true;
    this.flush(ctx, false);
  }
}
