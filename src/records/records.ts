// Pure builders: SMTP facts + the connection's FlowOpenInfo → SPEC §3 event records. Owns no
// state. Field naming and order live here: common fields first (ts, event, uid, community_id,
// endpoints, vlan only when tagged, tunnel only when encapsulated), then the event's fields, undefined ones omitted.
import type { FlowOpenInfo } from '../flow/types.js';
import type { AuthFacts, SessionFacts, TransactionFacts } from '../smtp/types.js';
import type { MessageRecord } from '../smtp/message-parser.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import { isoMicros } from '../shared/time.js';
import type { AnomalyRecord, AuthRecord, CommonFields, ConnectionFields, EventName, SessionRecord, TransactionRecord } from './types.js';

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

function common(info: FlowOpenInfo, event: EventName, tsMicros: number): CommonFields {
  const c = assignConnectionFields({ ts: isoMicros(tsMicros), event }, info) as CommonFields;
  if (info.vlan.length > 0) c.vlan = info.vlan.slice();
  if (info.tunnel !== undefined && info.tunnel.length > 0) c.tunnel = info.tunnel.slice();
  return c;
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

export function buildTransactionRecord(info: FlowOpenInfo, t: TransactionFacts, opts: RecordOptions): TransactionRecord {
  const r = common(info, 'smtp_transaction', t.tsMicros) as TransactionRecord;
  r.trans_depth = t.trans_depth;
  if (t.helo !== undefined) r.helo = t.helo;
  if (t.auth !== undefined) r.auth = authRecord(t.auth, opts);
  r.tls = t.tls;
  r.mail_from = t.mail_from;
  if (t.mail_params !== undefined) r.mail_params = t.mail_params;
  r.rcpt_to = t.rcpt_to;
  r.rcpt_rejected = t.rcpt_rejected;
  if (t.rcpt_params !== undefined) r.rcpt_params = t.rcpt_params;
  if (t.rcpt_dropped !== undefined) r.rcpt_dropped = t.rcpt_dropped;
  r.status = t.status;
  if (t.reply !== undefined) r.reply = { code: t.reply.code, text: t.reply.text };
  r.data_bytes = t.data_bytes;
  r.bdat = t.bdat;
  r.gap_bytes = t.gap_bytes;
  if (t.message !== undefined) r.message = messageRecord(t.message);
  r.anomalies = t.anomalies;
  return r;
}

export function buildSessionRecord(info: FlowOpenInfo, s: SessionFacts, opts: RecordOptions): SessionRecord {
  const r = common(info, 'smtp_session', s.startMicros) as SessionRecord;
  r.start = isoMicros(s.startMicros);
  r.end = isoMicros(s.endMicros);
  r.duration = Math.max(0, s.endMicros - s.startMicros) / 1e6;
  if (s.banner !== undefined) r.banner = s.banner;
  if (s.helo !== undefined) r.helo = s.helo;
  if (s.ehlo_keywords !== undefined) r.ehlo_keywords = s.ehlo_keywords;
  if (s.auth !== undefined) r.auth = authRecord(s.auth, opts);
  if (s.starttls !== undefined) r.starttls = s.starttls;
  if (s.implicit_tls !== undefined) r.implicit_tls = s.implicit_tls;
  if (s.tls_handshake !== undefined) r.tls_handshake = s.tls_handshake;
  r.transactions = s.transactions;
  r.commands = s.commands;
  r.bytes_client = s.bytes_client;
  r.bytes_server = s.bytes_server;
  r.gap_bytes = s.gap_bytes;
  r.close = s.close;
  r.midstream = s.midstream;
  if (s.one_sided !== undefined) r.one_sided = s.one_sided;
  r.anomalies = s.anomalies;
  return r;
}

export function buildAnomalyRecord(info: FlowOpenInfo, name: AnomalyCode, tsMicros: number, detail?: string): AnomalyRecord {
  const r = common(info, 'anomaly', tsMicros) as AnomalyRecord;
  r.name = name;
  if (detail !== undefined) r.detail = detail;
  return r;
}
