// The state every part of one SMTP session shares, named in one place (issue 12 item 1): the
// connection, the sinks, the packet clock, the input mode (changed only through transitions.ts),
// the TLS state, the open transaction, the AUTH exchange and the session's anomaly list. The parts
// (session-parts.ts) read and write these fields; each part's own state stays in the part.
import type { AuthExchange } from './auth.js';
import type { MessageParserFactory } from './message-parser.js';
import type { Transaction } from './transaction.js';
import { after, initialMode, next } from './transitions.js';
import type { ModeEvent, SmtpMode, Trigger } from './transitions.js';
import type { SmtpCounters, SmtpOutput, StartTlsState } from './types.js';
import type { LimitsConfig } from '../config/types.js';
import type { FlowOpenInfo } from '../flow/types.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import type { TlsHandshake } from '../tls/handshake.js';

export interface SmtpSessionOptions {
  limits: LimitsConfig;
  logPasswords: boolean;
  newMessageParser: MessageParserFactory;
}

/** The session's TLS state (one value instead of a boolean per fact). */
export type TlsState =
  /** No TLS seen: both directions are SMTP in the clear. */
  | 'none'
  /** TLS started after STARTTLS's 220 (RFC 3207), or a ClientHello right after STARTTLS. */
  | 'starttls'
  /** SMTPS (RFC 8314 §3.3): TLS from the first byte; the SMTP inside is never readable. */
  | 'implicit';

export class SessionContext {
  readonly info: FlowOpenInfo;
  readonly opts: SmtpSessionOptions;
  readonly out: SmtpOutput;
  readonly counters: SmtpCounters;
  /** Packet time of the input being read. */
  now = 0;
  private modeNow: SmtpMode;
  tls: TlsState = 'none';
  /** STARTTLS as the session event reports it (offered by EHLO, attempted, succeeded). */
  starttls: StartTlsState | undefined;
  /** The TLS handshake after STARTTLS's 220 (or of implicit TLS), parsed as far as it is in clear. */
  tlsHandshake: TlsHandshake | null = null;
  /** The open transaction: commands join it, anomalies are listed in it. */
  tx: Transaction | null = null;
  /** Transactions started (trans_depth of the last one). */
  txCount = 0;
  helo: string | undefined;
  auth: AuthExchange | null = null;
  /** The AUTH exchange was counted (countAuth). */
  authCounted = true;
  /** Session-level anomaly names, made on the first (most sessions have none). */
  anomalies: AnomalyCode[] | null = null;

  constructor(info: FlowOpenInfo, opts: SmtpSessionOptions, out: SmtpOutput, counters: SmtpCounters) {
    this.info = info;
    this.opts = opts;
    this.out = out;
    this.counters = counters;
    this.modeNow = initialMode(info.midstream);
  }

  /** How the client's next bytes are framed (transitions.ts). */
  get mode(): SmtpMode {
    return this.modeNow;
  }

  /** A command was seen: the mode advances. */
  command(trigger: Trigger): void {
    this.modeNow = next(this.modeNow, trigger, 'pending');
  }

  /** The reply to `trigger` arrived: the mode is corrected. */
  replied(trigger: Trigger, code: number): void {
    this.modeNow = next(this.modeNow, trigger, code);
  }

  /** An event of the stream itself (a gap, the end of an AUTH exchange or a BDAT chunk, TLS …). */
  event(e: ModeEvent): void {
    this.modeNow = after(this.modeNow, e);
  }

  /** TLS started (STARTTLS's 220, or SMTPS). */
  get tlsActive(): boolean {
    return this.tls !== 'none';
  }

  anomaly(name: AnomalyCode, detail?: string): void {
    this.out.anomaly(name, this.now, detail);
    this.listAnomaly(name);
  }

  /**
   * Lists a name in the open transaction's or the session's `anomalies` (SPEC §3.1/§3.2) without
   * reporting it again: flow-stage anomalies are counted and written by the worker's session table.
   */
  listAnomaly(name: AnomalyCode): void {
    if (this.tx !== null) this.tx.addAnomaly(name);
    else if (this.anomalies === null) this.anomalies = [name];
    else if (!this.anomalies.includes(name)) this.anomalies.push(name);
  }
}
