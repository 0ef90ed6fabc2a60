// Output records (SPEC §3): the event objects the writer serialises, one NDJSON line each.
// Built in the workers by records.ts (pure), cloned to the main thread, written by the events
// writer which adds `time` first. Field order here is the order on the line.
import type { AuthResult, StartTlsState, TransactionFacts } from '../smtp/types.js';
import type { CloseReason, OneSided } from '../flow/types.js';
import type { AnomalyCode } from '../shared/anomalies.js';

export type EventName = 'smtp_transaction' | 'smtp_session' | 'anomaly';

/** Who the event is about: the connection, as on every event (SPEC §3). */
export interface ConnectionFields {
  uid: string;
  community_id: string;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
}

export interface CommonFields extends ConnectionFields {
  ts: string;
  event: EventName;
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

/** SPEC §3.1: the engine's facts under their event names, plus `rcpt_dropped` (recipients past limits.recipients). */
export type TransactionRecord = CommonFields &
  Omit<TransactionFacts, 'tsMicros' | 'auth'> & { event: 'smtp_transaction'; auth?: AuthRecord };

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
