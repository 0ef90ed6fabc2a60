// The SMTP session of one connection, as a short conductor over its parts (issue 12 item 1;
// Zeek-style: advance on the command, correct on the reply). Consumes ordered stream events
// (data/gap/close); produces TransactionFacts, SessionFacts and anomalies via SmtpOutput.
//
//   client side (client-side.ts)          commands (command-handler.ts), DATA/BDAT (data-input.ts),
//                                         AUTH (session-auth.ts), smuggling holdback (smuggling-arbiter.ts)
//   server side (server-side.ts)          replies → reply matcher (reply-matcher.ts) → transactions
//                                         (tx-lifecycle.ts), TLS (session-tls.ts)
//   shared state (session-context.ts)     mode (transitions.ts only), TLS state, open transaction
//
// Every session was recognised as SMTP on the main thread before it was made (dispatch/smtp-gate.ts,
// issue 12 item 2); what recognition found (implicit TLS, HTTP CONNECT preambles) comes with it
// (start-flags.ts, applied when the session is made).
import { clientBytes, clientClose, clientGap } from './client-side.js';
import { cutChunk } from './data-input.js';
import { countAuth } from './session-auth.js';
import type { SmtpSessionOptions } from './session-context.js';
import { SessionParts } from './session-parts.js';
import type { SessionDriver } from './session-parts.js';
import { matchReply, serverBytes, serverClose, serverGap } from './server-side.js';
import { startImplicitTls } from './session-tls.js';
import { releaseStrict } from './smuggling-arbiter.js';
import { START_CLIENT_PREAMBLE, START_IMPLICIT_TLS, START_SERVER_PREAMBLE } from './start-flags.js';
import { endTx } from './tx-lifecycle.js';
import type { ReplyFacts, SmtpCounters, SmtpOutput } from './types.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import type { CloseReason, Direction, FlowOpenInfo, FlowSummary } from '../flow/types.js';

export type { SmtpSessionOptions } from './session-context.js';

export class SmtpSession implements SessionDriver {
  private readonly p: SessionParts;

  /** `start`: the recognition findings (start-flags.ts) from the open. */
  constructor(info: FlowOpenInfo, opts: SmtpSessionOptions, out: SmtpOutput, counters: SmtpCounters, start = 0) {
    const p = new SessionParts(info, opts, out, counters, this);
    p.client.preamble = (start & START_CLIENT_PREAMBLE) !== 0;
    p.server.preamble = (start & START_SERVER_PREAMBLE) !== 0;
    if ((start & START_IMPLICIT_TLS) !== 0) startImplicitTls(p);
    this.p = p;
  }

  onData(dir: Direction, bytes: Buffer, tsMicros: number): void {
    const p = this.p;
    p.ctx.now = tsMicros;
    if (p.record.firstMicros < 0) p.record.firstMicros = tsMicros;
    if (bytes.length === 0) return;
    // Only the direction that read the chunk can hold a view of it (a held client copy read again
    // during a server chunk is owned, lenient-end.ts): the other reader is not touched (issue 12
    // item 6: with thousands of open sessions its objects are cold in the cache).
    if (dir === 'c2s') {
      p.record.bytesClient += bytes.length;
      clientBytes(p, bytes);
      p.client.lines.release();
    } else {
      p.record.bytesServer += bytes.length;
      serverBytes(p, bytes);
      p.server.lines.release();
    }
  }

  onGap(dir: Direction, len: number, tsMicros: number): void {
    const p = this.p;
    p.ctx.now = tsMicros;
    if (p.record.firstMicros < 0) p.record.firstMicros = tsMicros;
    p.record.gapBytes += len;
    if (len <= 0) return;
    if (dir === 'c2s') clientGap(p, len);
    else serverGap(p, len);
  }

  onClose(reason: CloseReason, summary: FlowSummary, tsMicros: number): void {
    const p = this.p;
    const ctx = p.ctx;
    ctx.now = tsMicros;
    // No reply will decide any more: the held data is read as RFC 5321 says.
    releaseStrict(p);
    if (p.pickup !== null) p.dropPickup(); // no end of data seen: nothing says it was a message
    clientClose(p);
    serverClose(p);
    cutChunk(p);
    endTx(ctx, p.matcher);
    p.matcher.dropPending();
    p.matcher.flush(ctx, true);
    countAuth(ctx);
    ctx.out.session(p.record.facts(ctx, reason, summary));
  }

  /**
   * Lists a name in the open transaction's or the session's `anomalies` (SPEC §3.1/§3.2) without
   * reporting it again: flow-stage anomalies are counted and written by the worker's session table.
   */
  listAnomaly(name: AnomalyCode): void {
    this.p.ctx.listAnomaly(name);
  }

  /** SessionDriver: held client bytes read again. */
  clientBytes(chunk: Buffer): void {
    clientBytes(this.p, chunk);
  }

  /** SessionDriver: a held reply matched. */
  matchReply(reply: ReplyFacts, lines: readonly string[]): void {
    matchReply(this.p, reply, lines);
  }
}
