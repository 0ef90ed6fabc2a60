// smtp → mime boundary, owned by smtp (the consumer): the SMTP session owns one MessageParser per
// message and feeds it the message bytes as they arrive (dot-unstuffed DATA or joined BDAT chunks),
// with gaps marked, and reports what the parser returns as the transaction's SPEC §3.1 `message`.
// mime/ implements this interface (mime/index.ts makeMessageParserFactory); smtp/ never imports
// mime/, so the parser can be replaced or stubbed (test/helpers/stub-message-parser.ts).
import type { AnomalyCode } from '../shared/anomalies.js';

export interface AddressRecord {
  name?: string;
  address: string;
}

/** SPEC §3.1 attachment fields. */
export interface AttachmentRecord {
  filename?: string;
  content_type: string;
  disposition?: string;
  transfer_encoding?: string;
  size: number;
  /** Absent when output.hashes leaves md5 out (likewise sha1, sha256). */
  md5?: string;
  sha1?: string;
  sha256?: string;
  detected_type?: string;
  missing_bytes?: number;
  extracted?: string;
}

/** SPEC §3.1 `received_hops` entry: one Received header parsed; fields absent when not written. */
export interface ReceivedHopRecord {
  from_host?: string;
  from_ip?: string;
  by_host?: string;
  with?: string;
  id?: string;
  for?: string;
  /** The stamp's date-time as ISO-8601 UTC; absent when it does not parse. */
  time?: string;
}

/** One resinfo of an Authentication-Results header (RFC 8601 §2.2). */
export interface AuthResultRecord {
  method: string;
  result: string;
  reason?: string;
  /** `ptype.property` (lower-case) → value as written: `header.d`, `smtp.mailfrom` … */
  props: Record<string, string>;
}

/** SPEC §3.1 `auth_results` entry. */
export interface AuthResultsRecord {
  authserv_id?: string;
  results: AuthResultRecord[];
}

/** SPEC §3.1 `dkim` entry: DKIM-Signature tags as written (FWS removed), not verified. */
export interface DkimRecord {
  d?: string;
  s?: string;
  a?: string;
  h?: string;
  i?: string;
  t?: string;
  x?: string;
}

/** SPEC §3.1 `message` object; field names are the event's. */
export interface MessageRecord {
  subject?: string;
  subject_raw?: string;
  from?: AddressRecord[];
  sender?: AddressRecord[];
  reply_to?: AddressRecord[];
  to?: AddressRecord[];
  cc?: AddressRecord[];
  bcc?: AddressRecord[];
  date?: string;
  date_iso?: string;
  message_id?: string;
  in_reply_to?: string;
  user_agent?: string;
  x_originating_ip?: string;
  received?: string[];
  path?: string[];
  received_hops?: ReceivedHopRecord[];
  auth_results?: AuthResultsRecord[];
  dkim?: DkimRecord[];
  arc_chain?: number;
  headers?: Record<string, string[]>;
  header_names?: string[];
  headers_bytes: number;
  header_count: number;
  parts: number;
  content_type?: string;
  text_sha256?: string;
  attachments: AttachmentRecord[];
  signals?: string[];
  urls?: string[];
  /** Where the whole raw message was extracted (extract.messages); absent otherwise. */
  extracted?: string;
}

export interface MessageResult {
  message: MessageRecord;
  /** Anomalies raised while parsing; the SMTP layer merges them into the transaction's. */
  anomalies: AnomalyCode[];
  /** Decoded body bytes counted (for mailtap_mime_parts_total etc. the caller uses message.parts). */
}

/** What the message parser knows of its transaction (for `path` and `signals`). */
export interface MessageContext {
  /** MAIL FROM reverse-path ('' for the null sender), for envelope_from_mismatch. */
  mailFrom: string | undefined;
  /** The client's IP, second in `path`. */
  srcIp: string;
  /** The server's IP, first in `path` (as Zeek writes it); the SMTP session always gives it. */
  dstIp?: string;
  /** The message's start was never captured (a midstream pickup inside DATA): it is no whole message. */
  startMissing?: boolean;
}

export interface MessageParser {
  /** Message bytes in order (chunks split anywhere). The chunk is BORROWED: copy what you keep. */
  write(chunk: Buffer): void;
  /** `len` bytes of the message were never captured. */
  gap(len: number): void;
  /** The message ended (normally or not); returns its summary. Called once. */
  end(): MessageResult;
}

export type MessageParserFactory = (ctx: MessageContext) => MessageParser;
