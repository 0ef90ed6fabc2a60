// The SMTP session state machine of one connection (Zeek-style: advance on the command, correct
// on the reply). Owns the input mode, the bounded pending-command FIFO, the line/data readers of
// both directions, the open transaction and those awaiting replies. Consumes ordered stream
// events (data/gap/close); produces TransactionFacts, SessionFacts and anomalies via SmtpOutput.
//
// Every session was recognised as SMTP on the main thread before it was made (dispatch/smtp-gate.ts,
// issue 12 item 2); what recognition found (implicit TLS, HTTP CONNECT preambles) comes with it.
// Midstream pickup (no SYN seen): on SMTP ports recognition accepts any valid reply line or known
// command verb (recognize.ts). Parsing then starts as after a gap: client lines are skipped until
// a known command verb, the first reply is not taken as the greeting, and replies to commands
// sent before the capture began are expected (not flagged) until the next MAIL/HELO/EHLO.
import { AuthExchange, decodeBase64 } from './auth.js';
import { argText, parseBdatArg, parseCommand, parsePathArg } from './command.js';
import type { Command } from './command.js';
import type { DataSink } from './data-reader.js';
import { MidstreamPickup } from './midstream-pickup.js';
import { SessionServerSide } from './session-server.js';
import type { SmtpSessionOptions } from './session-state.js';
import { DataHoldback, findLenientEnd, lineVerb, ownLenientEnd, replyFits, strictEndAfter } from './lenient-end.js';
import type { LenientEnd } from './lenient-end.js';
import { parseAuthArg } from './sasl.js';
import { next } from './transitions.js';
import type { ReplyFacts, SmtpCounters, SmtpOutput } from './types.js';
import type { CloseReason, Direction, FlowOpenInfo, FlowSummary } from '../flow/types.js';

export type { SmtpSessionOptions } from './session-state.js';

/** Printable text (an AUTH LOGIN user name or password), not a binary token. */
function isText(bytes: Buffer): boolean {
  for (const b of bytes) if (b < 0x20 || b === 0x7f) return false;
  return true;
}

export class SmtpSession extends SessionServerSide implements DataSink {
  /** Client bytes after a lenient end of data, until a server reply decides (lenient-end.ts). */
  private holdback: DataHoldback | null = null;
  /** Held bytes are being read again after a decision: no new hold (each byte is held once). */
  private rereading = false;
  /** The guess that a midstream capture began inside DATA (midstream-pickup.ts), while it lasts. */
  private pickup: MidstreamPickup | null = null;
  /** No guess (any more): not midstream, or a command or the end of data settled it. */
  private pickupOver: boolean;

  /** `start`: the recognition findings (start-flags.ts) from the open. */
  constructor(info: FlowOpenInfo, opts: SmtpSessionOptions, out: SmtpOutput, counters: SmtpCounters, start = 0) {
    super(info, opts, out, counters, start);
    this.pickupOver = !info.midstream;
  }

  onData(dir: Direction, bytes: Buffer, tsMicros: number): void {
    this.now = tsMicros;
    if (this.firstMicros < 0) this.firstMicros = tsMicros;
    if (bytes.length === 0) return;
    if (dir === 'c2s') {
      this.bytesClient += bytes.length;
      this.onClientBytes(bytes);
    } else {
      this.bytesServer += bytes.length;
      this.onServerBytes(bytes);
    }
    this.releaseViews();
  }

  onGap(dir: Direction, len: number, tsMicros: number): void {
    this.now = tsMicros;
    if (this.firstMicros < 0) this.firstMicros = tsMicros;
    this.gapBytes += len;
    if (len <= 0) return;
    if (dir === 'c2s') this.onClientGap(len);
    else this.onServerGap(len);
  }

  onClose(reason: CloseReason, summary: FlowSummary, tsMicros: number): void {
    this.now = tsMicros;
    // No reply will decide any more: the held data is read as RFC 5321 says.
    this.releaseStrict();
    if (this.pickup !== null) this.dropPickup(); // no end of data seen: nothing says it was a message
    // A last line without its CRLF (a client that closes right after "QUIT").
    if (this.lineMode() && !this.clientOpaque && !(this.tlsActive && this.tlsClient !== 'plain')) {
      const line = this.client.flush();
      if (line !== null) this.onClientLine(line, this.client.truncated);
    }
    if (!(this.tlsActive && this.tlsServer !== 'plain')) {
      const line = this.server.flush();
      if (line !== null) this.onServerLine(line, this.server.truncated);
    }
    this.cutChunk();
    this.endTx();
    for (const c of this.pending.clear()) if (c.tx !== null) c.tx.pending--;
    this.flushFinished(true);
    this.countAuth();
    this.out.session(this.sessionFacts(reason, summary));
  }

  /** DataSink: dot-unstuffed DATA bytes of the open transaction. */
  onMessageBytes(bytes: Buffer): void {
    const tx = this.tx;
    if (tx === null) return;
    tx.dataBytes += bytes.length;
    this.parserOf(tx)?.write(bytes);
  }

  // ---- client side ----

  private lineMode(): boolean {
    return this.mode !== 'data' && this.mode !== 'bdat';
  }

  private onClientBytes(chunk: Buffer): void {
    if (this.clientOpaque) return;
    if (!this.pickupOver && this.mode === 'after_gap') {
      this.onPickupBytes(chunk);
      return;
    }
    this.onClientChunk(chunk);
  }

  // ---- midstream pickup inside DATA (issue 13) ----

  /**
   * Client bytes before the first command of a midstream session: lines as usual, and the DATA
   * guess, one line at a time so that where the guess stops never depends on the segmentation.
   */
  private onPickupBytes(chunk: Buffer): void {
    const p = (this.pickup ??= new MidstreamPickup(this.now, () => this.pickupParser()));
    let off = 0;
    while (off < chunk.length) {
      const lf = chunk.indexOf(0x0a, off);
      const piece = chunk.subarray(off, lf < 0 ? chunk.length : lf + 1);
      if (piece[0] === 0x16 && this.client.pending === 0) {
        // A TLS record at a line start: the client turns opaque or starts TLS, so the guess ends
        // before it reads any of it, however the chunk is cut (fuzz finding bdat-huge-size-chunking).
        this.dropPickup();
        break;
      }
      const end = p.read(piece);
      this.onClientChunk(end < 0 ? piece : piece.subarray(0, end));
      off += end < 0 ? piece.length : end;
      if (this.pickup !== p) break; // a command came first: the rest is parsed as usual
      if (end >= 0) {
        // No command before it: this was the end of a message whose start was not captured.
        this.endPickedUpMessage(p);
        break;
      }
    }
    if (off < chunk.length) this.onClientBytes(chunk.subarray(off));
  }

  private pickupParser(): ReturnType<SmtpSessionOptions['newMessageParser']> | null {
    if (this.txCount >= this.opts.limits.transactions) return null;
    return this.opts.newMessageParser({ mailFrom: undefined, srcIp: this.info.client.ip, dstIp: this.info.server.ip, startMissing: true });
  }

  /** A command was recognised before any end of data: the guess was wrong. */
  private dropPickup(): void {
    this.pickupOver = true;
    this.pickup?.discard();
    this.pickup = null;
  }

  /**
   * The partly seen message ended: one transaction, `incomplete` (its start was never captured),
   * envelope empty, data_bytes and message from what was seen; the server's next reply is the one
   * to its end of data, as after a DATA we saw.
   */
  private endPickedUpMessage(p: MidstreamPickup): void {
    this.pickupOver = true;
    this.pickup = null;
    const now = this.now;
    this.now = p.firstMicros;
    const tx = this.startTx();
    this.now = now;
    tx.gapped = true;
    tx.dataBytes = p.bytes;
    tx.dataEnded = true;
    tx.parser = p.take();
    this.endMessage(tx);
    this.mode = 'ready';
    this.push('data_end', tx, 0);
    this.closeTx();
  }

  private onClientChunk(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.tlsActive && this.tlsClient !== 'plain') {
        if (!this.tlsPlaintext('c2s', chunk[off]!)) {
          this.onTlsBytes('c2s', chunk, off);
          return;
        }
        continue;
      }
      switch (this.mode) {
        case 'data':
          if (this.holdback !== null) {
            this.holdMore(off === 0 ? chunk : chunk.subarray(off));
            return;
          }
          this.data.holdLenient = !this.rereading && this.opts.limits.smuggling_holdback > 0;
          off = this.data.read(chunk, off, this);
          this.afterDataRead();
          if (this.lenientEnd !== null) this.holdback = new DataHoldback(this.lenientEnd);
          break;
        case 'bdat': {
          off = this.client.readRaw(chunk, off);
          const tx = this.tx;
          if (tx !== null && this.client.raw !== null && this.client.raw.length > 0) this.parserOf(tx)?.write(this.client.raw);
          if (this.client.rawRemaining === 0) this.onBdatChunkEnd();
          break;
        }
        default:
          // A client that starts its TLS handshake before we saw the 220 (or with the reply unseen).
          if (chunk[off] === 0x16 && this.client.pending === 0) {
            if (this.starttls === 'attempted') {
              this.startTls();
              continue;
            }
            // A TLS ClientHello where a command belongs (implicit TLS against a plaintext greeting,
            // suricata-verify smtp-errors on port 465): the rest of the client stream is opaque.
            this.anomaly('smtp_unknown_command', 'TLS record');
            this.clientOpaque = true;
            return;
          }
          off = this.client.read(chunk, off);
          if (this.client.line !== null) this.onClientLine(this.client.line, this.client.truncated);
      }
    }
  }

  private onClientLine(line: Buffer, truncated: boolean): void {
    if (this.clientPreamble) {
      // The HTTP CONNECT request and its headers, up to the blank line (recognize.ts).
      if (line.length === 0) this.clientPreamble = false;
      return;
    }
    if (truncated) this.anomaly('smtp_line_too_long', `client line over ${this.opts.limits.line_length} bytes`);
    if (this.mode === 'auth' && this.auth !== null && this.authResponse(this.auth, line)) return;
    const cmd = parseCommand(line);
    // Resynchronising after a gap or a midstream pickup: wait for a recognisable command.
    if (this.mode === 'after_gap' && cmd.verb === 'other') return;
    this.onCommand(cmd);
  }

  /** One line inside an AUTH exchange; false when it is in fact the next command. */
  private authResponse(auth: AuthExchange, line: Buffer): boolean {
    const isCancel = line.length === 1 && line[0] === 0x2a;
    if (!isCancel && parseCommand(line).verb !== 'other') {
      // A command, not a response, when it is not base64 or decodes to binary ("QUIT" is valid
      // base64: suricata-verify smtp-long-command quits inside AUTH LOGIN). The exchange ended
      // with a reply we did not see, or the client gave up.
      const decoded = decodeBase64(line);
      if (decoded === null || !isText(decoded)) {
        this.mode = 'ready';
        return false;
      }
    }
    if (auth.onResponse(line) === 'malformed') this.anomaly('smtp_auth_malformed', `${auth.mechanism} response`);
    if (auth.expected <= 0) this.mode = 'ready';
    return true;
  }

  private onCommand(cmd: Command): void {
    if (this.pickup !== null || !this.pickupOver) this.dropPickup();
    const verb = cmd.verb;
    this.commands++;
    this.counters.command(verb);
    this.mode = next(this.mode, verb, 'pending');
    switch (verb) {
      case 'HELO':
      case 'EHLO': {
        // RFC 5321 §4.1.4: an accepted HELO/EHLO inside a transaction resets it, as RSET does; a
        // refused one changes nothing. Its reply decides (SessionServerSide.applyReply).
        const tx = this.tx;
        if (tx !== null) tx.resetPending = true;
        this.helo = argText(cmd.arg);
        this.push(verb, tx, 0);
        break;
      }
      case 'MAIL': {
        // A HELO/EHLO whose reply was never seen (one-sided capture, lost reply) is taken as accepted.
        if (this.tx !== null && this.tx.resetPending) this.endTx();
        const prev = this.tx;
        // A transaction opened by RCPT/DATA without MAIL holds no envelope at the server (it
        // answered 503): a MAIL after it is the first one, not a nested one (Zeek
        // smtp-mail-transactions-invalid, suricata-verify firewall-133).
        const nested = prev !== null && prev.hasMail;
        if (nested) this.anomaly('smtp_nested_mail');
        this.endTx(false);
        const tx = this.startTx();
        tx.nested = nested;
        if (nested && !prev.bdat && prev.dataBytes === 0) {
          // Held until this MAIL's reply: a refusal resumes it (SessionServerSide.resumeInterrupted).
          tx.interrupted = prev;
          prev.heldFor = tx;
        }
        const path = parsePathArg(cmd.arg, 'FROM');
        tx.hasMail = true;
        tx.mailFrom = path.address;
        tx.mailParams = path.params;
        this.push('MAIL', tx, 0);
        this.flushFinished(false);
        break;
      }
      case 'RCPT': {
        const tx = this.tx ?? this.implicitTx('RCPT');
        const path = parsePathArg(cmd.arg, 'TO');
        let idx = -1;
        if (tx.rcpts.length < this.opts.limits.recipients) {
          idx = tx.rcpts.length;
          tx.rcpts.push({ address: path.address, params: path.params, code: 0 });
        } else if (++tx.rcptDropped === 1) {
          this.anomaly('smtp_recipients_exceeded', `more than ${this.opts.limits.recipients} recipients`);
        }
        this.push('RCPT', tx, idx);
        break;
      }
      case 'DATA': {
        const tx = this.tx ?? this.implicitTx('DATA');
        if (!tx.hasRecipient) this.anomaly('smtp_data_without_rcpt');
        this.data.reset();
        this.bareLfReported = false;
        this.smugglingReported = 0;
        this.push('DATA', tx, 0);
        break;
      }
      case 'BDAT':
        this.onBdat(cmd.arg);
        break;
      case 'RSET':
      case 'QUIT':
        this.endTx();
        this.push(verb, null, 0);
        break;
      case 'AUTH':
        this.onAuth(cmd.arg);
        break;
      case 'STARTTLS':
        if (this.starttls !== 'succeeded') this.starttls = 'attempted';
        this.push(verb, this.tx, 0);
        break;
      default:
        if (verb === 'other') this.anomaly('smtp_unknown_command');
        this.push(verb, this.tx, 0);
    }
  }

  private onBdat(arg: Buffer): void {
    const parsed = parseBdatArg(arg);
    if (!parsed.ok) {
      // The server refuses it (Zeek's smtp-bdat-cmd-invalid: 521) and no chunk follows. Outside a
      // transaction it opens none: the MAIL pipelined after it starts the only one (issue 15).
      this.anomaly('smtp_bdat_bad_size', parsed.reason);
      this.mode = this.tx === null ? 'ready' : 'rcpt';
      this.push('BDAT', this.tx, 0);
      return;
    }
    const tx = this.tx ?? this.implicitTx('BDAT');
    if (!tx.bdat && !tx.hasRecipient) this.anomaly('smtp_data_without_rcpt');
    tx.bdat = true;
    tx.dataBytes += parsed.size;
    this.bdatLast = parsed.last;
    this.push('BDAT', tx, parsed.last ? 1 : 0);
    this.client.startRaw(parsed.size);
    if (parsed.size === 0) this.onBdatChunkEnd();
  }

  private onBdatChunkEnd(): void {
    const tx = this.tx;
    if (!this.bdatLast || tx === null) {
      this.mode = 'rcpt';
      return;
    }
    tx.dataEnded = true;
    this.endMessage(tx);
    this.mode = 'ready';
    this.closeTx();
  }

  /**
   * The connection ended inside a BDAT chunk: the octets it announced never came, so the message
   * is incomplete by that many bytes (counted on the transaction). When the chunk was LAST the
   * client did not leave the last chunk out, so smtp_bdat_missing_last is not raised (issue 15).
   */
  private cutChunk(): void {
    const tx = this.tx;
    const missing = this.client.rawRemaining;
    if (this.mode !== 'bdat' || tx === null || missing === 0) return;
    this.client.gap(missing);
    tx.gapped = true;
    tx.gapBytes += missing;
    this.parserOf(tx)?.gap(missing);
    if (this.bdatLast) tx.dataEnded = true;
  }

  private onAuth(arg: Buffer): void {
    // Any run of blanks separates (issue 15: a tab once put "PLAIN\t<credentials>" in the mechanism).
    const { mechanism, initial } = parseAuthArg(arg);
    this.countAuth();
    const auth = new AuthExchange(mechanism, initial);
    auth.cleartext = !this.tlsActive;
    this.auth = auth;
    this.authCounted = false;
    if (auth.initialMalformed) this.anomaly('smtp_auth_malformed', `${auth.mechanism} initial response`);
    if (auth.expected <= 0) this.mode = 'ready';
    this.push('AUTH', this.tx, 0);
  }

  private afterDataRead(): void {
    const d = this.data;
    if (d.bareLfSeen > 0 && !this.bareLfReported) {
      // Smuggling sequences before the first bare LF are reported first: stream order, whatever
      // the TCP segmentation (SPEC §7; fuzz finding smtp-session/anomaly-order.bin).
      while (this.smugglingReported < d.smugglingBeforeBareLf) {
        this.smugglingReported++;
        this.anomaly('smtp_smuggling_end');
      }
      this.bareLfReported = true;
      this.anomaly('smtp_bare_lf');
    }
    while (d.smugglingSeen > this.smugglingReported) {
      this.smugglingReported++;
      this.anomaly('smtp_smuggling_end');
    }
    if (!d.done) return;
    this.releaseData();
    const tx = this.tx;
    this.mode = next(this.mode, 'data_end', 'pending');
    if (tx === null) return;
    tx.dataEnded = true;
    this.endMessage(tx);
    this.push('data_end', tx, 0);
    this.closeTx();
  }

  // ---- SMTP smuggling: where did the server end the data? (issue 15, lenient-end.ts) ----

  /** More client bytes while a lenient end of data awaits the server's verdict. */
  private holdMore(bytes: Buffer): void {
    const h = this.holdback!;
    const limit = this.opts.limits.smuggling_holdback;
    if (h.size + bytes.length <= limit) {
      h.append(bytes);
      return;
    }
    this.anomaly('smtp_smuggling_holdback_exceeded', `more than ${limit} bytes after ${h.form}`);
    this.releaseStrict();
    this.onClientBytes(bytes);
  }

  /** Any reply that meets a pending command, or a gap: the held data is read strictly first. */
  protected override onReply(reply: ReplyFacts, lines: readonly string[]): void {
    if (this.holdback !== null && this.pending.length > 0) this.releaseStrict();
    super.onReply(reply, lines);
  }

  protected override onServerGap(len: number): void {
    this.releaseStrict();
    super.onServerGap(len);
  }

  /** A reply with no pending command while the data is held: it answers an end of data. */
  protected override onUnmatchedReply(reply: ReplyFacts, lines: readonly string[]): void {
    if (this.holdback === null || this.mode !== 'data' || this.tx === null) {
      super.onUnmatchedReply(reply, lines);
      return;
    }
    this.decideHold(reply, lines);
  }

  /**
   * The server's replies are the arbiter of where the data ended. No strict <CRLF>.<CRLF> in the
   * held bytes: the server can only have ended at a lenient terminator. A strict end too: both
   * readings expect this reply, so the next one decides. A strict server expects no reply (or one
   * that fits the command after the strict end); a lenient one answers the first smuggled command.
   */
  private decideHold(reply: ReplyFacts, lines: readonly string[]): void {
    const h = this.holdback!;
    const held = h.bytes();
    const strictEnd = strictEndAfter(h.form, held);
    const end = findLenientEnd(h.form, held, strictEnd < 0 ? held.length : strictEnd);
    if (h.firstReply === null) {
      if (strictEnd < 0) this.endLenient(reply, end ?? ownLenientEnd(h.form, held));
      else if (end === null) {
        this.releaseStrict();
        this.matchReply(reply, lines);
      } else h.firstReply = { reply, lines };
      return;
    }
    const strictVerb = lineVerb(held, strictEnd);
    const strictFits = strictVerb !== null && replyFits(strictVerb, reply.code);
    if (end !== null && end.verb !== null && replyFits(end.verb, reply.code) && !strictFits) this.endLenient(h.firstReply.reply, end);
    else this.releaseStrict();
    this.matchReply(reply, lines);
  }

  /** The data is read as RFC 5321 says: the lenient terminator and the held bytes are content. */
  private releaseStrict(): void {
    const h = this.holdback;
    if (h === null) return;
    this.holdback = null;
    this.data.resumeStrict(this);
    this.reread(h.bytes());
    if (h.firstReply !== null) this.matchReply(h.firstReply.reply, h.firstReply.lines);
  }

  /** The server ended the data at `end`: the message ends there, the rest is read as commands. */
  private endLenient(reply: ReplyFacts, end: LenientEnd): void {
    const h = this.holdback!;
    const tx = this.tx!;
    const held = h.bytes();
    this.holdback = null;
    if (!end.own) {
      // A later terminator: the own one and the bytes up to that one's dot are content.
      this.data.resumeStrict(this);
      this.data.holdLenient = false;
      this.data.read(held.subarray(0, end.cut), 0, this);
      this.afterDataRead();
    }
    this.data.reset();
    tx.dataEnded = true;
    tx.anyReply = true;
    tx.lastReply = reply;
    tx.endCode = reply.code;
    this.endMessage(tx);
    this.mode = end.verb !== null && end.verb !== 'other' ? 'ready' : 'after_gap';
    this.closeTx();
    this.reread(held.subarray(end.rest));
  }

  private reread(bytes: Buffer): void {
    const was = this.rereading;
    this.rereading = true;
    this.onClientBytes(bytes);
    this.rereading = was;
  }

  private onClientGap(len: number): void {
    this.releaseStrict();
    if (this.tlsActive && this.tlsClient !== 'plain') this.tlsHandshake?.gap('c2s');
    if (this.clientOpaque || (this.tlsActive && this.tlsClient !== 'plain')) return;
    const tx = this.tx;
    if (this.mode === 'data' && tx !== null) {
      tx.gapped = true;
      tx.gapBytes += len;
      this.data.gap();
      this.parserOf(tx)?.gap(len);
      return;
    }
    if (this.pickup !== null) this.pickup.gap(len);
    let rest = len;
    if (this.mode === 'bdat' && tx !== null) {
      // The gap eats the chunk's remaining bytes first; what is left of it hit the commands.
      const inChunk = this.client.gap(len);
      tx.gapped = true;
      tx.gapBytes += len;
      if (inChunk > 0) this.parserOf(tx)?.gap(inChunk);
      if (this.client.rawRemaining === 0) this.onBdatChunkEnd();
      if (inChunk === len) return;
      rest = 0; // already counted on the transaction
    }
    this.client.gap(len);
    this.anomaly('smtp_gap_recovery', 'client');
    this.serverResync = true;
    if (this.tx !== null) {
      this.tx.gapped = true;
      this.tx.gapBytes += rest;
    }
    this.mode = 'after_gap';
  }
}
