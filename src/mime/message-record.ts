// Builds the SPEC §3.1 `message` object from the top-level fields and the walk's results:
// decodes subject and addresses, strips angle brackets, parses the date, builds the path from
// the session's addresses and the parsed Received hops, and computes the signals. Pure; runs
// once per message at end().
import type { LimitsConfig } from '../config/types.js';
import type { AnomalySink } from './anomaly-set.js';
import { parseAddressList } from './address-list.js';
import { decodeEncodedWords } from './encoded-word.js';
import { computeSignals } from './signals.js';
import { parseDateIso } from './date-iso.js';
import type { TopFields } from './top-fields.js';
import type { AddressRecord, AttachmentRecord, MessageContext, MessageRecord, ReceivedHopRecord } from './types.js';

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

/**
 * SPEC §3.1 `path`, as Zeek's smtp.log writes it: the server, the client, then each Received
 * hop's from_ip, top first, each address once.
 */
export function pathOf(ctx: MessageContext, hops: readonly ReceivedHopRecord[]): string[] {
  const seen = new Set<string>();
  if (ctx.dstIp !== undefined) seen.add(ctx.dstIp);
  seen.add(ctx.srcIp);
  for (const h of hops) if (h.from_ip !== undefined) seen.add(h.from_ip);
  return [...seen];
}

/** `<id@host>` → `id@host`; text without brackets is trimmed. */
export function stripAngles(v: string): string {
  const m = /<([^>]*)>/.exec(v);
  return (m !== null ? m[1]! : v).trim();
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
  rec.path = pathOf(ctx, top.hops);
  if (top.hops.length > 0) rec.received_hops = top.hops;
  if (top.authResults.length > 0) rec.auth_results = top.authResults;
  if (top.dkim.length > 0) rec.dkim = top.dkim;
  if (top.arcSeals > 0) rec.arc_chain = top.arcSeals;
  if (top.raw.size > 0) rec.headers = Object.fromEntries(top.raw);
  if (top.names.length > 0) rec.header_names = top.names;
  if (walk.contentType !== undefined) rec.content_type = walk.contentType;
  if (walk.textSha256 !== undefined) rec.text_sha256 = walk.textSha256;
  const signals = computeSignals({ mailFrom: ctx.mailFrom, from, replyTo, typeMismatch: walk.typeMismatch });
  if (signals.length > 0) rec.signals = signals;
  if (walk.urls.length > 0) rec.urls = walk.urls;
  return rec;
}
