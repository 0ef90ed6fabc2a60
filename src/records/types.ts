// Event records (SPEC §3): the event objects the writer serialises, one NDJSON line each. The
// records stage sits below every stage that builds, carries or writes them (src/README.md, "Import
// order"): built by records.ts (pure) in the workers and, for flow_worker_restarted, by the
// pipeline; serialised in the worker, written on the main thread by the events writer, which adds
// `time` first. Field order here is the order on the line.
import type { AuthFacts, SessionFacts, TransactionFacts } from '../smtp/types.js';
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
  /** SPEC §3: encapsulations, outermost first; absent when none. */
  tunnel?: string[];
}

/** The AUTH object of both events; `password` only when output.log_passwords is true. */
export type AuthRecord = AuthFacts;

/** SPEC §3.1: the engine's facts under their event names, plus `rcpt_dropped` (recipients past limits.recipients). */
export type TransactionRecord = CommonFields & Omit<TransactionFacts, 'tsMicros'> & { event: 'smtp_transaction' };

/** SPEC §3.2: the engine's session facts with packet times as ISO-8601 and the duration. */
export type SessionRecord = CommonFields &
  Omit<SessionFacts, 'startMicros' | 'endMicros'> & { event: 'smtp_session'; start: string; end: string; duration: number };

export interface AnomalyRecord extends CommonFields {
  event: 'anomaly';
  name: AnomalyCode;
  detail?: string;
}

export type EventRecord = TransactionRecord | SessionRecord | AnomalyRecord;
