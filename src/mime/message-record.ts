// Builds the SPEC §3.1 `message` object from the top-level fields and the walk's results:
// decodes subject and addresses, strips angle brackets, parses the date, extracts the Received
// path and computes the signals. Pure; runs once per message at end().
import type { LimitsConfig } from '../config/types.js';
import type { AnomalySink } from './anomaly-set.js';
import { parseAddressList } from './address-list.js';
import { decodeEncodedWords } from './encoded-word.js';
import { computeSignals } from './signals.js';
import type { TopFields } from './top-fields.js';
import type { AddressRecord, AttachmentRecord, MessageContext, MessageRecord } from './types.js';

export interface WalkSummary {
  headersBytes: number;
  headerCount: number;
  parts: number;
  contentType: string | undefined;
  textSha256: string | undefined;
  attachments: AttachmentRecord[];
  urls: string[];
  typeMismatch: boolean;
}

const IPV4_RE = /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])/g;
const IPV6_RE = /\[(?:IPv6:)?([0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?::\d{1,3}(?:\.\d{1,3}){3})?)\]/gi;

/** IP addresses in one Received header, in order of appearance. */
export function receivedIps(value: string): string[] {
  const found: { at: number; ip: string }[] = [];
  for (const m of value.matchAll(IPV4_RE)) found.push({ at: m.index, ip: m[0] });
  for (const m of value.matchAll(IPV6_RE)) {
    const ip = m[1]!;
    if (ip.indexOf('.') < 0 || !found.some((f) => f.at > m.index && f.at < m.index + m[0].length)) {
      found.push({ at: m.index, ip: ip.toLowerCase() });
    }
  }
  found.sort((a, b) => a.at - b.at);
  return found.map((f) => f.ip);
}

/** `<id@host>` → `id@host`; text without brackets is trimmed. */
export function stripAngles(v: string): string {
  const m = /<([^>]*)>/.exec(v);
  return (m !== null ? m[1]! : v).trim();
}

export function parseDateIso(v: string): string | undefined {
  // RFC 5322 §3.3 date-time; comments such as "(CST)" are dropped before parsing.
  const t = Date.parse(v.replace(/\([^)]*\)/g, ' ').trim());
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export function buildMessageRecord(
  top: TopFields,
  walk: WalkSummary,
  ctx: MessageContext,
  limits: LimitsConfig,
  sink: AnomalySink,
): MessageRecord {
  const rec: MessageRecord = {
    headers_bytes: walk.headersBytes,
    header_count: walk.headerCount,
    parts: walk.parts,
    attachments: walk.attachments,
  };
  const subject = top.get('subject');
  if (subject !== undefined) {
    rec.subject = decodeEncodedWords(subject, sink);
    if (rec.subject !== subject) rec.subject_raw = subject;
  }
  const addrs = (name: string): AddressRecord[] | undefined => {
    const v = top.get(name);
    return v === undefined ? undefined : parseAddressList(v, limits.addresses_per_header, sink);
  };
  const from = addrs('from');
  const replyTo = addrs('reply-to');
  if (from !== undefined) rec.from = from;
  const sender = addrs('sender');
  if (sender !== undefined) rec.sender = sender;
  if (replyTo !== undefined) rec.reply_to = replyTo;
  const to = addrs('to');
  if (to !== undefined) rec.to = to;
  const cc = addrs('cc');
  if (cc !== undefined) rec.cc = cc;
  const bcc = addrs('bcc');
  if (bcc !== undefined) rec.bcc = bcc;
  const date = top.get('date');
  if (date !== undefined) {
    rec.date = date;
    const iso = parseDateIso(date);
    if (iso !== undefined) rec.date_iso = iso;
  }
  const mid = top.get('message-id');
  if (mid !== undefined) rec.message_id = stripAngles(mid);
  const irt = top.get('in-reply-to');
  if (irt !== undefined) rec.in_reply_to = stripAngles(irt);
  const ua = top.get('user-agent') ?? top.get('x-mailer');
  if (ua !== undefined) rec.user_agent = ua;
  const xoip = top.get('x-originating-ip');
  if (xoip !== undefined) rec.x_originating_ip = xoip.replace(/^\s*\[|\]\s*$/g, '').trim();
  if (top.received.length > 0) rec.received = top.received;
  const path: string[] = [];
  for (const r of top.received) for (const ip of receivedIps(r)) path.push(ip);
  path.push(ctx.srcIp);
  rec.path = path;
  if (walk.contentType !== undefined) rec.content_type = walk.contentType;
  if (walk.textSha256 !== undefined) rec.text_sha256 = walk.textSha256;
  const signals = computeSignals({ mailFrom: ctx.mailFrom, from, replyTo, typeMismatch: walk.typeMismatch });
  if (signals.length > 0) rec.signals = signals;
  if (walk.urls.length > 0) rec.urls = walk.urls;
  return rec;
}
