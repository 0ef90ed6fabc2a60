// One mail transaction being assembled (SPEC §3.1): envelope, per-recipient reply codes, data
// framing totals, the message parser of its data, and the status rule. Owns the transaction's
// facts and its MessageParser; consumes what the session matched; produces TransactionFacts.
import type { AuthExchange } from './auth.js';
import type { Params } from './command.js';
import type { ReplyFacts, TransactionFacts, TransactionStatus } from './types.js';
import type { MessageParser, MessageRecord } from './message-parser.js';

const NO_ANOMALIES: readonly AnomalyCode[] = [];
import type { AnomalyCode } from '../shared/anomalies.js';

export interface RcptEntry {
  address: string;
  params: Params | undefined;
  /** Reply code; 0 while unanswered. */
  code: number;
}

/**
 * Where a transaction is in its life, seen from the client side (Zeek-style, one value instead of
 * a boolean per step). Its replies may still be arriving in any phase; it is written once it is
 * closed and none is pending (ReplyMatcher.flush).
 */
export type TxPhase =
  /** Commands still join it: envelope, then data. */
  | 'open'
  /** The client finished its message (<CRLF>.<CRLF>, BDAT LAST) and it is still the open one. */
  | 'sent'
  /** Ended on the client side without a finished message (RSET, QUIT, a new MAIL, HELO/EHLO, close). */
  | 'abandoned'
  /** Ended on the client side after its message was sent. */
  | 'done';

function is2xx(code: number): boolean {
  return code >= 200 && code < 300;
}

export class Transaction {
  readonly tsMicros: number;
  readonly depth: number;
  readonly helo: string | undefined;
  readonly auth: AuthExchange | null;
  readonly tls: boolean;
  /** Beyond limits.transactions: counted, never reported. */
  readonly reported: boolean;
  /** Opened by MAIL (false for an implicit transaction opened by RCPT/DATA/BDAT). */
  hasMail = false;
  /** Its MAIL came while another transaction was open (smtp_nested_mail). */
  nested = false;
  /**
   * The transaction its nested MAIL interrupted, until that MAIL's reply: a refusal means the
   * server kept the old envelope (RFC 5321 §4.1.4, suricata-verify firewall-132), see absorb().
   */
  interrupted: Transaction | null = null;
  /** Set on the interrupted transaction: not written while this nested MAIL awaits its reply. */
  heldFor: Transaction | null = null;
  /**
   * A HELO/EHLO came inside it and its reply has not decided yet: an accepted one resets the
   * transaction, a refused one leaves it as it was (RFC 5321 §4.1.4).
   */
  resetPending = false;
  mailFrom = '';
  mailParams: Params | undefined;
  mailCode = 0;
  rcpts: RcptEntry[] = [];
  /** Recipients beyond limits.recipients: counted, not listed. */
  rcptDropped = 0;
  /** Reply to DATA (354 or a refusal). */
  dataCode = 0;
  /** Reply to the end of data or to BDAT … LAST. */
  endCode = 0;
  phase: TxPhase = 'open';
  bdat = false;
  dataBytes = 0;
  gapBytes = 0;
  gapped = false;
  lastReply: ReplyFacts | undefined;
  anyReply = false;
  /** Commands of this transaction still waiting for their reply. */
  pending = 0;
  parser: MessageParser | null = null;
  message: MessageRecord | undefined;
  readonly anomalies: AnomalyCode[] = [];

  constructor(tsMicros: number, depth: number, helo: string | undefined, auth: AuthExchange | null, tls: boolean, reported: boolean) {
    this.tsMicros = tsMicros;
    this.depth = depth;
    this.helo = helo;
    this.auth = auth;
    this.tls = tls;
    this.reported = reported;
  }

  /** The client finished sending the message (<CRLF>.<CRLF> or the LAST chunk). */
  get dataEnded(): boolean {
    return this.phase === 'sent' || this.phase === 'done';
  }

  /** No more commands belong to it (ended on the client side); it is written once `pending` is 0. */
  get closed(): boolean {
    return this.phase === 'abandoned' || this.phase === 'done';
  }

  /** The client finished its message. */
  endData(): void {
    this.phase = this.closed ? 'done' : 'sent';
  }

  /** No more commands belong to it. */
  close(): void {
    this.phase = this.dataEnded ? 'done' : 'abandoned';
  }

  addAnomaly(name: AnomalyCode): void {
    if (!this.anomalies.includes(name)) this.anomalies.push(name);
  }

  /** Some recipient was accepted, or none was answered yet (replies may be unseen). */
  get hasRecipient(): boolean {
    for (const r of this.rcpts) if (r.code === 0 || is2xx(r.code)) return true;
    return this.rcptDropped > 0;
  }

  /**
   * The server refused `n`'s nested MAIL and went on with this envelope: everything the client
   * sent after that MAIL belongs here. This transaction saw no data (a transaction with data ends
   * at its end of data, so it cannot be interrupted). Returns the index of n's first recipient in
   * this list; recipients beyond `rcptLimit` are counted, not listed, as on RCPT.
   */
  absorb(n: Transaction, rcptLimit: number): number {
    const offset = this.rcpts.length;
    for (const r of n.rcpts) {
      if (this.rcpts.length < rcptLimit) this.rcpts.push(r);
      else this.rcptDropped++;
    }
    this.rcptDropped += n.rcptDropped;
    // This one may hold a refused DATA (503, no data); n's later replies supersede it.
    if (n.dataCode !== 0) this.dataCode = n.dataCode;
    if (n.endCode !== 0) this.endCode = n.endCode;
    this.bdat ||= n.bdat;
    this.dataBytes += n.dataBytes;
    this.gapBytes += n.gapBytes;
    this.gapped ||= n.gapped;
    if (n.parser !== null) this.parser = n.parser;
    if (n.message !== undefined) this.message = n.message;
    if (n.lastReply !== undefined) this.lastReply = n.lastReply;
    this.anyReply ||= n.anyReply;
    this.pending += n.pending;
    // This one saw no data (see above): its phase is n's (open or closed, message sent or not).
    this.phase = n.phase;
    for (const a of n.anomalies) this.addAnomaly(a);
    return offset;
  }

  /** End the message parser (once), keeping its record and merging its anomalies; returns them. */
  endMessage(): readonly AnomalyCode[] {
    const p = this.parser;
    if (p === null) return NO_ANOMALIES;
    this.parser = null;
    const res = p.end();
    this.message = res.message;
    for (const a of res.anomalies) this.addAnomaly(a);
    return res.anomalies;
  }

  status(): TransactionStatus {
    if (this.gapped) return 'incomplete';
    if (this.mailCode >= 400 || this.dataCode >= 400 || this.endCode >= 400) return 'rejected';
    if (this.rcpts.length > 0 && this.rcpts.every((r) => r.code >= 400)) return 'rejected';
    if (is2xx(this.endCode)) return 'accepted';
    // No reply of this transaction was seen (one-sided capture), or the final one never came.
    if (!this.anyReply || this.dataEnded) return 'unknown';
    return 'aborted';
  }

  facts(logPasswords: boolean): TransactionFacts {
    const rcptTo: string[] = [];
    const rejected: { address: string; code: number }[] = [];
    let rcptParams: Record<string, Params> | undefined;
    for (const r of this.rcpts) {
      if (r.code === 0 || is2xx(r.code)) {
        rcptTo.push(r.address);
        if (r.params !== undefined) (rcptParams ??= {})[r.address] = r.params;
      } else rejected.push({ address: r.address, code: r.code });
    }
    const f: TransactionFacts = {
      tsMicros: this.tsMicros,
      trans_depth: this.depth,
      tls: this.tls,
      mail_from: this.mailFrom,
      rcpt_to: rcptTo,
      rcpt_rejected: rejected,
      status: this.status(),
      data_bytes: this.dataBytes,
      bdat: this.bdat,
      gap_bytes: this.gapBytes,
      anomalies: this.anomalies,
    };
    if (this.helo !== undefined) f.helo = this.helo;
    if (this.auth !== null) f.auth = this.auth.facts(logPasswords);
    if (this.mailParams !== undefined) f.mail_params = this.mailParams;
    if (rcptParams !== undefined) f.rcpt_params = rcptParams;
    if (this.lastReply !== undefined) f.reply = this.lastReply;
    if (this.rcptDropped > 0) f.rcpt_dropped = this.rcptDropped;
    if (this.message !== undefined) {
      f.message = this.message;
      // SPEC §3.1 signals: the session's AUTH crossed unencrypted.
      if (this.auth !== null && this.auth.cleartext) {
        const signals = this.message.signals ?? [];
        if (!signals.includes('auth_cleartext')) this.message.signals = [...signals, 'auth_cleartext'];
      }
    }
    return f;
  }
}
