// The server side of an SMTP session: reply framing and assembly, matching each reply to the
// oldest pending command (Zeek-style correction on the reply), server gaps, and the TLS check of
// both directions after STARTTLS. Owns no state of its own (SessionState holds it); consumes
// server bytes; produces reply facts on the transactions and session.
import { SessionState } from './session-state.js';
import type { TlsSide } from './session-state.js';
import type { Transaction } from './transaction.js';
import { next } from './transitions.js';
import type { Trigger } from './transitions.js';
import type { ReplyFacts } from './types.js';
import type { Direction } from '../flow/types.js';

/** A TLS record's first byte (RFC 8446 §5.1 content types 20..23). */
function isTlsRecordStart(b: number): boolean {
  return b >= 0x14 && b <= 0x17;
}

export abstract class SessionServerSide extends SessionState {
  protected onServerBytes(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.tlsActive && this.tlsServer !== 'plain') {
        if (!this.tlsPlaintext('s2c', chunk[off]!)) {
          this.onTlsBytes('s2c', chunk, off);
          return;
        }
        continue;
      }
      off = this.server.read(chunk, off);
      if (this.server.line !== null) this.onServerLine(this.server.line, this.server.truncated);
    }
  }

  protected onServerLine(line: Buffer, truncated: boolean): void {
    if (this.serverPreamble) {
      // The proxy's answer to HTTP CONNECT, up to the blank line (recognize.ts).
      if (line.length === 0) this.serverPreamble = false;
      return;
    }
    if (truncated) this.anomaly('smtp_line_too_long', `server line over ${this.opts.limits.line_length} bytes`);
    const step = this.replies.push(line);
    const first = this.serverLines++ === 0;
    // A midstream pickup usually starts inside a line: its tail is no reply, and no anomaly.
    if (step.t === 'invalid' && !(first && this.info.midstream)) this.anomaly('smtp_invalid_reply');
    else if (step.t === 'reply') {
      // RFC 5321 §4.2.1: every line of a multi-line reply carries the same code. When they
      // disagree ("250-" then "550") the final line is the one clients act on, so it decides.
      if (step.codeChanged) this.anomaly('smtp_reply_code_mismatch', `final line ${step.reply.code}`);
      this.onReply(step.reply, step.lines);
    }
  }

  protected onReply(reply: ReplyFacts, lines: readonly string[]): void {
    this.counters.reply(reply.code);
    this.matchReply(reply, lines);
  }

  /** A reply (already counted) meets the pending commands. */
  protected matchReply(reply: ReplyFacts, lines: readonly string[]): void {
    const code = reply.code;
    if (this.greetingExpected) {
      this.greetingExpected = false;
      if (code === 220) this.banner = reply.text;
      return;
    }
    const head = this.pending.peek();
    if (head === undefined) {
      this.onUnmatchedReply(reply, lines);
      return;
    }
    // RFC 4954 §4: 334 is a challenge; the exchange (and its pending entry) goes on.
    if (head.trigger === 'AUTH' && code === 334) {
      this.auth?.onChallenge(reply.text);
      if (this.auth !== null && this.auth.expected <= 0) {
        // One more challenge than the mechanism needs (XOAUTH2's error challenge): one more response.
        this.auth.expected = 1;
        this.mode = 'auth';
      }
      return;
    }
    this.skipToExpected(head.trigger, code);
    const matched = this.pending.shift()!;
    const tx = matched.tx;
    // An accepted HELO/EHLO ends its transaction as RSET does; like RSET's, its reply is not the transaction's.
    const resets = (matched.trigger === 'HELO' || matched.trigger === 'EHLO') && code >= 200 && code < 300;
    if (tx !== null && !resets) {
      tx.anyReply = true;
      tx.lastReply = reply;
    }
    this.applyReply(matched.trigger, matched.arg, tx, code, lines);
    this.mode = next(this.mode, matched.trigger, code);
    if (tx !== null) {
      tx.pending--;
      this.flushFinished(false);
    }
  }

  /**
   * Correct on the reply: some codes answer one command only (354 DATA, 334/235 AUTH, 221 QUIT).
   * When such a reply meets another command at the head of the queue, the replies of the commands
   * before its own were lost (a reply without its CRLF, a truncated capture): skip them.
   */
  protected skipToExpected(head: Trigger, code: number): void {
    const want: Trigger | null = code === 354 ? 'DATA' : code === 221 ? 'QUIT' : code === 334 || code === 235 ? 'AUTH' : null;
    if (want === null || head === want) return;
    const at = this.pending.indexOf(want);
    if (at <= 0) return;
    this.anomaly('smtp_unmatched_reply', `${code} answers ${want}: ${at} earlier command(s) left unanswered`);
    for (let i = 0; i < at; i++) {
      const skipped = this.pending.shift()!;
      if (skipped.tx !== null) skipped.tx.pending--;
    }
  }

  protected applyReply(trigger: Trigger, arg: number, tx: Transaction | null, code: number, lines: readonly string[]): void {
    switch (trigger) {
      case 'HELO':
      case 'EHLO':
        if (tx !== null && tx.resetPending) {
          tx.resetPending = false;
          // RFC 5321 §4.1.4: only an accepted HELO/EHLO resets the transaction it came in.
          if (code >= 200 && code < 300 && tx === this.tx) this.endTx();
        }
        if (code >= 200 && code < 300) this.recordKeywords(lines);
        break;
      case 'MAIL':
        if (tx !== null && tx.interrupted !== null && this.resumeInterrupted(tx, code)) break;
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
        if (this.auth !== null) {
          this.auth.onReply(code);
          this.countAuth();
        }
        break;
      case 'STARTTLS':
        if (code === 220) this.startTls();
        break;
      default:
        break;
    }
  }

  /**
   * The reply to a nested MAIL. RFC 5321 §4.1.4: a refused command leaves the server's state as it
   * was, so after a 4xx/5xx the interrupted transaction goes on and takes in what the client sent
   * after that MAIL (suricata-verify firewall-132: 503 "nested MAIL command", then RCPT and DATA
   * deliver alice's message). True when the nested transaction was folded back into it.
   */
  private resumeInterrupted(nested: Transaction, code: number): boolean {
    const prev = nested.interrupted!;
    nested.interrupted = null;
    prev.heldFor = null;
    const at = this.finished.indexOf(prev);
    // Only while nothing later was numbered: depths stay 1..n without holes.
    if (code < 400 || at < 0 || nested.depth !== this.txCount) return false;
    if (this.tx !== nested && !this.finished.includes(nested)) return false;
    (this.finished as Transaction[]).splice(at, 1);
    const limit = this.opts.limits.recipients;
    const offset = prev.absorb(nested, limit);
    // The MAIL being answered is still counted in nested.pending (onReply decrements the nested one).
    prev.pending--;
    this.pending.retarget(nested, prev, offset, limit);
    this.txCount--;
    if (this.tx === nested) this.tx = prev;
    else (this.finished as Transaction[])[this.finished.indexOf(nested)] = prev;
    return true;
  }

  protected onUnmatchedReply(reply: ReplyFacts, lines: readonly string[]): void {
    const tx = this.tx;
    if (this.mode === 'data' && tx !== null) {
      // The server ended the data where we did not: the end fell into a gap, or the server took a
      // non-standard terminator (<LF>.<LF>, smtp-url-base64 in suricata-verify), or it gave up
      // (421). This is the reply to the end of data; the client's next lines are commands.
      if (!tx.gapped && (this.dataIfAny?.smugglingSeen ?? 0) === 0) this.anomaly('smtp_unmatched_reply', `${reply.code} inside DATA`);
      tx.anyReply = true;
      tx.lastReply = reply;
      tx.endCode = reply.code;
      this.endMessage(tx);
      this.mode = 'after_gap';
      this.closeTx();
      return;
    }
    if (this.bytesClient === 0 && this.commands === 0) {
      // Server-only capture: report what the replies show (an EHLO reply's keywords, messages).
      if (reply.code === 250 && lines.length > 1) this.recordKeywords(lines);
      else this.serverOnlyMessage(reply);
      return;
    }
    if (this.serverResync) return;
    this.anomaly('smtp_unmatched_reply', String(reply.code));
  }

  /**
   * Server-only feed (issue 13): the client's commands are never seen, but the replies show each
   * message. A 354 opens a transaction (empty envelope: the schema's `mail_from: ""`), the next
   * reply is the one to the end of data (RFC 5321 §4.1.1.4: 250 with the queue id, or a refusal)
   * and gives its status. A 354 with no final reply stays `unknown`.
   */
  private serverOnlyMessage(reply: ReplyFacts): void {
    const tx = this.tx;
    if (reply.code === 354) {
      if (tx !== null) this.closeTx();
      const t = this.startTx();
      t.dataCode = 354;
      return;
    }
    if (tx === null || tx.dataCode !== 354) return;
    tx.anyReply = true;
    tx.lastReply = reply;
    tx.endCode = reply.code;
    tx.dataEnded = true;
    this.closeTx();
  }

  protected onServerGap(len: number): void {
    if (this.tlsActive && this.tlsServer !== 'plain') {
      this.tlsHandshake?.gap('s2c');
      return;
    }
    this.server.gap(len);
    this.replies.reset();
    this.greetingExpected = false;
    this.anomaly('smtp_gap_recovery', 'server');
    // Which replies were lost is unknown: every transaction still waiting for one is touched.
    let first = true;
    for (const t of this.finished) {
      t.gapped = true;
      if (first) t.gapBytes += len;
      first = false;
    }
    if (this.tx !== null) {
      this.tx.gapped = true;
      if (first) this.tx.gapBytes += len;
    }
    for (const c of this.pending.clear()) if (c.tx !== null) c.tx.pending--;
    this.serverResync = true;
    this.flushFinished(false);
  }

  /** The TLS bytes of a direction from `off` on: to the handshake parser (src/tls), nothing else reads them. */
  protected onTlsBytes(dir: Direction, chunk: Buffer, off: number): void {
    this.tlsHandshake?.feed(dir, off === 0 ? chunk : chunk.subarray(off));
  }

  /** First byte of a direction after STARTTLS: false when it is TLS (the rest is skipped). */
  protected tlsPlaintext(dir: Direction, b: number): boolean {
    const side = dir === 'c2s' ? this.tlsClient : this.tlsServer;
    if (side === 'encrypted') return false;
    // Decrypted feeds (inspection appliances) continue in plaintext: EHLO from the client, digits from the server.
    const plain = dir === 'c2s' ? (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) : b >= 0x30 && b <= 0x39;
    const verdict: TlsSide = plain ? 'plain' : 'encrypted';
    if (dir === 'c2s') this.tlsClient = verdict;
    else this.tlsServer = verdict;
    if (plain) {
      this.anomaly('smtp_plaintext_after_starttls', dir);
      if (dir === 'c2s' && this.mode === 'tls') this.mode = 'ready';
    } else if (!isTlsRecordStart(b)) {
      this.anomaly('smtp_command_in_tls', dir);
      // Neither SMTP nor TLS: the handshake parser leaves this direction alone (one anomaly, not two).
      this.tlsHandshake?.gap(dir);
    }
    return plain;
  }
}
