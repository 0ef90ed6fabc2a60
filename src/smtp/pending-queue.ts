// The bounded FIFO of client commands not yet answered (RFC 2920 pipelining is always assumed
// possible). Each reply is matched to the oldest entry. Owns the entries; the session decides what
// happens when the bound is passed (SPEC §6: queue cleared, smtp_excessive_pending_cmds).
import type { Transaction } from './transaction.js';
import type { Trigger } from './transitions.js';

export interface PendingCommand {
  trigger: Trigger;
  /** The transaction the command belongs to, if one was open. */
  tx: Transaction | null;
  /** RCPT: index in tx.rcpts, -1 when beyond the recipients limit. BDAT: 1 for LAST. */
  arg: number;
}

/** The empty queue every session starts with and returns to once all is answered (frozen: shared). */
const NO_ITEMS: readonly (PendingCommand | undefined)[] = Object.freeze([]);

export class PendingQueue {
  private items: (PendingCommand | undefined)[] = NO_ITEMS as (PendingCommand | undefined)[];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(cmd: PendingCommand): void {
    if (this.items === NO_ITEMS) this.items = [cmd];
    else this.items.push(cmd);
  }

  peek(): PendingCommand | undefined {
    return this.items[this.head];
  }

  shift(): PendingCommand | undefined {
    const cmd = this.items[this.head];
    if (cmd === undefined) return undefined;
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      // Every command answered (the usual idle state): no backing store is kept (issue 13 item 12).
      this.items = NO_ITEMS as (PendingCommand | undefined)[];
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.items.length) {
      // Compact now and then so a long pipelined session does not keep every answered entry.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return cmd;
  }

  /** Position of the first entry for `trigger` (0 = the head), or -1. */
  indexOf(trigger: Trigger): number {
    for (let i = this.head; i < this.items.length; i++) if (this.items[i]!.trigger === trigger) return i - this.head;
    return -1;
  }

  /** Some entry is `trigger` of `tx` (a command of that transaction still waiting for its reply). */
  awaits(trigger: Trigger, tx: Transaction): boolean {
    for (let i = this.head; i < this.items.length; i++) {
      const c = this.items[i]!;
      if (c.trigger === trigger && c.tx === tx) return true;
    }
    return false;
  }

  /**
   * Entries of `from` now belong to `to`: RCPT indices move by `rcptOffset` (the merged recipient
   * list), and become -1 (not listed) at `rcptLimit` or beyond.
   */
  retarget(from: Transaction, to: Transaction, rcptOffset: number, rcptLimit: number): void {
    for (let i = this.head; i < this.items.length; i++) {
      const c = this.items[i]!;
      if (c.tx !== from) continue;
      c.tx = to;
      if (c.trigger === 'RCPT' && c.arg >= 0) c.arg = c.arg + rcptOffset < rcptLimit ? c.arg + rcptOffset : -1;
    }
  }

  /** Remove every entry (their replies will never be matched); returns them in order. */
  clear(): PendingCommand[] {
    const dropped: PendingCommand[] = [];
    for (let i = this.head; i < this.items.length; i++) dropped.push(this.items[i]!);
    this.items = NO_ITEMS as (PendingCommand | undefined)[];
    this.head = 0;
    return dropped;
  }
}
