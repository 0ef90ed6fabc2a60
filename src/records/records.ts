// Pure builders: SMTP facts + the connection's FlowOpenInfo → SPEC §3 event records. Owns no
// state. Field naming and order live here: common fields first (ts, event, uid, community_id,
// endpoints, vlan only when tagged, tunnel only when encapsulated), then the event's fields, undefined ones omitted.
import type { FlowOpenInfo } from '../flow/types.js';
import type { AuthFacts, SessionFacts, TransactionFacts } from '../smtp/types.js';
import type { MessageRecord } from '../smtp/message-parser.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import { isoMicros } from '../shared/time.js';
import type { AnomalyRecord, AuthRecord, ConnectionFields, SessionRecord, TransactionRecord } from './types.js';

export interface RecordOptions {
  /** output.log_passwords: a password reaches an event only when this is true (defence in depth). */
  logPasswords: boolean;
}

/** The connection's identity fields, in event order (uid … dst_port), assigned onto `target`. */
export function assignConnectionFields<T extends object>(target: T, info: FlowOpenInfo): T & ConnectionFields {
  const t = target as T & ConnectionFields;
  t.uid = info.uid;
  t.community_id = info.communityId;
  t.src_ip = info.client.ip;
  t.src_port = info.client.port;
  t.dst_ip = info.server.ip;
  t.dst_port = info.server.port;
  return t;
}

function authRecord(a: AuthFacts, opts: RecordOptions): AuthRecord {
  const r = { mechanism: a.mechanism } as AuthRecord;
  if (a.user !== undefined) r.user = a.user;
  r.result = a.result;
  r.cleartext = a.cleartext;
  if (opts.logPasswords && a.password !== undefined) r.password = a.password;
  return r;
}

/**
 * The message as it is when every field is defined (the MIME engine adds only defined ones: the
 * usual case, no copy; issue 12 item 6), else a shallow copy without the undefined fields (an
 * event never carries a key without a value).
 */
function messageRecord(m: MessageRecord): MessageRecord {
  for (const k in m) if (m[k as keyof MessageRecord] === undefined) return withoutUndefined(m);
  return m;
}

function withoutUndefined(m: MessageRecord): MessageRecord {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m) as (keyof MessageRecord)[]) {
    const v = m[k];
    if (v !== undefined) out[k] = v;
  }
  return out as unknown as MessageRecord;
}

/**
 * The three records are made by constructor functions, not grown key by key from an object literal:
 * V8 sizes a constructor's objects from the assignments in its body, so a 25-key record is one
 * allocation, where a literal copies its property store every third key (~1 KB of garbage per
 * session record; issue 12 item 6). Each prototype is Object.prototype: the records stay plain
 * objects. Keys are assigned in event order (common fields first); the six connection fields
 * come from assignConnectionFields, which V8's 8 slots of slack cover in every record's sizing.
 */
type RecordThis = Record<string, unknown>;

function TransactionRecordObject(this: RecordThis, info: FlowOpenInfo, t: TransactionFacts, opts: RecordOptions): void {
  this.ts = isoMicros(t.tsMicros);
  this.event = 'smtp_transaction';
  assignConnectionFields(this, info);
  if (info.vlan.length > 0) this.vlan = info.vlan.slice();
  if (info.tunnel !== undefined && info.tunnel.length > 0) this.tunnel = info.tunnel.slice();
  this.trans_depth = t.trans_depth;
  if (t.helo !== undefined) this.helo = t.helo;
  if (t.auth !== undefined) this.auth = authRecord(t.auth, opts);
  this.tls = t.tls;
  this.mail_from = t.mail_from;
  if (t.mail_params !== undefined) this.mail_params = t.mail_params;
  this.rcpt_to = t.rcpt_to;
  this.rcpt_rejected = t.rcpt_rejected;
  if (t.rcpt_params !== undefined) this.rcpt_params = t.rcpt_params;
  if (t.rcpt_dropped !== undefined) this.rcpt_dropped = t.rcpt_dropped;
  this.status = t.status;
  if (t.reply !== undefined) this.reply = { code: t.reply.code, text: t.reply.text };
  this.data_bytes = t.data_bytes;
  this.bdat = t.bdat;
  this.gap_bytes = t.gap_bytes;
  if (t.message !== undefined) this.message = messageRecord(t.message);
  this.anomalies = t.anomalies;
}

function SessionRecordObject(this: RecordThis, info: FlowOpenInfo, s: SessionFacts, opts: RecordOptions): void {
  // The session's ts is its start: one ISO string for both.
  const start = isoMicros(s.startMicros);
  this.ts = start;
  this.event = 'smtp_session';
  assignConnectionFields(this, info);
  if (info.vlan.length > 0) this.vlan = info.vlan.slice();
  if (info.tunnel !== undefined && info.tunnel.length > 0) this.tunnel = info.tunnel.slice();
  this.start = start;
  this.end = isoMicros(s.endMicros);
  this.duration = Math.max(0, s.endMicros - s.startMicros) / 1e6;
  if (s.banner !== undefined) this.banner = s.banner;
  if (s.helo !== undefined) this.helo = s.helo;
  if (s.ehlo_keywords !== undefined) this.ehlo_keywords = s.ehlo_keywords;
  if (s.auth !== undefined) this.auth = authRecord(s.auth, opts);
  if (s.starttls !== undefined) this.starttls = s.starttls;
  if (s.implicit_tls !== undefined) this.implicit_tls = s.implicit_tls;
  if (s.tls_handshake !== undefined) this.tls_handshake = s.tls_handshake;
  this.transactions = s.transactions;
  this.commands = s.commands;
  this.bytes_client = s.bytes_client;
  this.bytes_server = s.bytes_server;
  this.gap_bytes = s.gap_bytes;
  this.close = s.close;
  this.midstream = s.midstream;
  if (s.one_sided !== undefined) this.one_sided = s.one_sided;
  this.anomalies = s.anomalies;
}

function AnomalyRecordObject(this: RecordThis, info: FlowOpenInfo, name: AnomalyCode, tsMicros: number, detail: string | undefined): void {
  this.ts = isoMicros(tsMicros);
  this.event = 'anomaly';
  assignConnectionFields(this, info);
  if (info.vlan.length > 0) this.vlan = info.vlan.slice();
  if (info.tunnel !== undefined && info.tunnel.length > 0) this.tunnel = info.tunnel.slice();
  this.name = name;
  if (detail !== undefined) this.detail = detail;
}

TransactionRecordObject.prototype = Object.prototype;
SessionRecordObject.prototype = Object.prototype;
AnomalyRecordObject.prototype = Object.prototype;

const NewTransactionRecord = TransactionRecordObject as unknown as new (info: FlowOpenInfo, t: TransactionFacts, opts: RecordOptions) => TransactionRecord;
const NewSessionRecord = SessionRecordObject as unknown as new (info: FlowOpenInfo, s: SessionFacts, opts: RecordOptions) => SessionRecord;
const NewAnomalyRecord = AnomalyRecordObject as unknown as new (info: FlowOpenInfo, name: AnomalyCode, tsMicros: number, detail: string | undefined) => AnomalyRecord;

export function buildTransactionRecord(info: FlowOpenInfo, t: TransactionFacts, opts: RecordOptions): TransactionRecord {
  return new NewTransactionRecord(info, t, opts);
}

export function buildSessionRecord(info: FlowOpenInfo, s: SessionFacts, opts: RecordOptions): SessionRecord {
  return new NewSessionRecord(info, s, opts);
}

export function buildAnomalyRecord(info: FlowOpenInfo, name: AnomalyCode, tsMicros: number, detail?: string): AnomalyRecord {
  return new NewAnomalyRecord(info, name, tsMicros, detail);
}
