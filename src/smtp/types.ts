// smtp → records boundary: the facts the SMTP session engine reports. Field names are the event
// names of SPEC §3.1/§3.2 so records/records.ts only adds the common fields (uid, ts, endpoints).
// The engine does no I/O: it calls SmtpOutput.
import type { AnomalyCode } from '../shared/anomalies.js';
import type { CloseReason, OneSided } from '../flow/types.js';
import type { MessageRecord } from './message-parser.js';
import type { TlsHandshakeFacts } from '../tls/types.js';

export type AuthResult = 'success' | 'failure' | 'unknown';

export interface AuthFacts {
  mechanism: string;
  user?: string;
  result: AuthResult;
  cleartext: boolean;
  /** Only when output.log_passwords is true. */
  password?: string;
}

export type TransactionStatus = 'accepted' | 'rejected' | 'aborted' | 'incomplete' | 'unknown';

export interface ReplyFacts {
  code: number;
  /** Multi-line text joined with \n. */
  text: string;
}

export interface TransactionFacts {
  /** Packet time of the transaction's first packet (MAIL). */
  tsMicros: number;
  trans_depth: number;
  helo?: string;
  auth?: AuthFacts;
  tls: boolean;
  mail_from: string;
  mail_params?: Record<string, string | boolean>;
  rcpt_to: string[];
  rcpt_rejected: { address: string; code: number }[];
  rcpt_params?: Record<string, Record<string, string | boolean>>;
  status: TransactionStatus;
  reply?: ReplyFacts;
  data_bytes: number;
  bdat: boolean;
  gap_bytes: number;
  /** Recipients beyond limits.recipients: counted, not listed (absent when none). */
  rcpt_dropped?: number;
  message?: MessageRecord;
  anomalies: AnomalyCode[];
}

export type StartTlsState = 'offered' | 'attempted' | 'succeeded';

export interface SessionFacts {
  startMicros: number;
  endMicros: number;
  banner?: string;
  helo?: string;
  ehlo_keywords?: string[];
  auth?: AuthFacts;
  starttls?: StartTlsState;
  /** TLS from the first byte (SMTPS): the recognizer saw a ClientHello where SMTP begins. */
  implicit_tls?: true;
  tls_handshake?: TlsHandshakeFacts;
  transactions: number;
  commands: number;
  bytes_client: number;
  bytes_server: number;
  gap_bytes: number;
  close: CloseReason;
  midstream: boolean;
  one_sided?: OneSided;
  anomalies: AnomalyCode[];
}

/** Counter increments the engine reports (the worker aggregates them into metric deltas). */
export interface SmtpCounters {
  command(verb: string): void;
  reply(code: number): void;
  auth(mechanism: string, result: AuthResult, cleartext: boolean): void;
}

export interface SmtpOutput {
  transaction(t: TransactionFacts): void;
  session(s: SessionFacts): void;
  /** Every anomaly occurrence (the caller counts all and writes `event` ones, rate-limited). */
  anomaly(name: AnomalyCode, tsMicros: number, detail?: string): void;
}
