// The parts one SMTP session is made of (composition; issue 12 item 1), held together so the
// functions of each part can reach the others: the shared context, the per-direction readers, the
// reply assembler and matcher, the session record, the message input (made at the first DATA or
// BDAT) and the midstream-pickup guess. SmtpSession (session.ts) owns one and conducts it.
import { DirectionReader } from './direction-reader.js';
import { MessageInput } from './message-input.js';
import type { MidstreamPickup } from './midstream-pickup.js';
import { ReplyAssembler } from './reply.js';
import { ReplyMatcher } from './reply-matcher.js';
import { SessionContext } from './session-context.js';
import type { SmtpSessionOptions } from './session-context.js';
import { SessionRecord } from './session-record.js';
import { parserOf } from './tx-lifecycle.js';
import type { DataSink } from './data-reader.js';
import type { ReplyFacts, SmtpCounters, SmtpOutput } from './types.js';
import type { FlowOpenInfo } from '../flow/types.js';

/**
 * The two entry points that parts re-enter (held client bytes read again after a smuggling
 * decision, a held reply matched): SmtpSession implements them, so no part imports another in a loop.
 */
export interface SessionDriver {
  clientBytes(chunk: Buffer): void;
  matchReply(reply: ReplyFacts, lines: readonly string[]): void;
}

export class SessionParts implements DataSink {
  readonly ctx: SessionContext;
  readonly driver: SessionDriver;
  readonly record = new SessionRecord();
  readonly client: DirectionReader;
  readonly server: DirectionReader;
  readonly replies: ReplyAssembler;
  readonly matcher: ReplyMatcher;
  private inputState: MessageInput | null = null;
  /** The guess that a midstream capture began inside DATA (midstream-pickup.ts), while it lasts. */
  pickup: MidstreamPickup | null = null;
  /** No guess (any more): not midstream, or a command or the end of data settled it. */
  pickupOver: boolean;

  constructor(info: FlowOpenInfo, opts: SmtpSessionOptions, out: SmtpOutput, counters: SmtpCounters, driver: SessionDriver) {
    this.ctx = new SessionContext(info, opts, out, counters);
    this.driver = driver;
    const max = opts.limits.line_length;
    this.client = new DirectionReader('c2s', max);
    this.server = new DirectionReader('s2c', max);
    this.replies = new ReplyAssembler(max);
    this.matcher = new ReplyMatcher(info.midstream);
    this.pickupOver = !info.midstream;
  }

  /** The message input, made at the first DATA or BDAT. */
  get input(): MessageInput {
    return (this.inputState ??= new MessageInput());
  }

  /** The message input if one was made (reading it must not make one). */
  get inputIfAny(): MessageInput | null {
    return this.inputState;
  }

  /** A command was recognised before any end of data: the midstream guess was wrong. */
  dropPickup(): void {
    this.pickupOver = true;
    this.pickup?.discard();
    this.pickup = null;
  }

  /** DataSink: dot-unstuffed DATA bytes of the open transaction. */
  onMessageBytes(bytes: Buffer): void {
    const tx = this.ctx.tx;
    if (tx === null) return;
    tx.dataBytes += bytes.length;
    parserOf(this.ctx, tx)?.write(bytes);
  }
}
