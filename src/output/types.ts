// Output records (SPEC §3): the event objects the writer serialises, one NDJSON line each.
// Built in the workers by records.ts (pure), cloned to the main thread, written by the events
// writer which adds `time` first. Field order here is the order on the line.
import type { AuthResult, ReplyFacts, StartTlsState, TransactionStatus } from '../smtp/types.js';
import type { MessageRecord } from '../mime/types.js';
import type { CloseReason, OneSided } from '../flow/types.js';
import type { AnomalyCode } from '../shared/anomalies.js';

export type EventName = 'smtp_transaction' | 'smtp_session' | 'anomaly';

export interface CommonFields {
  ts: string;
  event: EventName;
  uid: string;
  community_id: string;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  /** Absent when untagged. */
  vlan?: number[];
}

export interface AuthRecord {
  mechanism: string;
  user?: string;
  result: AuthResult;
  cleartext: boolean;
  password?: string;
}

export interface TransactionRecord extends CommonFields {
  event: 'smtp_transaction';
  trans_depth: number;
  helo?: string;
  auth?: AuthRecord;
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
  message?: MessageRecord;
  anomalies: AnomalyCode[];
}

export interface SessionRecord extends CommonFields {
  event: 'smtp_session';
  start: string;
  end: string;
  duration: number;
  banner?: string;
  helo?: string;
  ehlo_keywords?: string[];
  auth?: AuthRecord;
  starttls?: StartTlsState;
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

export interface AnomalyRecord extends CommonFields {
  event: 'anomaly';
  name: AnomalyCode;
  detail?: string;
}

export type EventRecord = TransactionRecord | SessionRecord | AnomalyRecord;
