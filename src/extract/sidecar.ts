// Sidecar lines (SPEC §6 `extract`): one JSON object per sighting of an extracted file, built from
// the connection and the finished transaction. Everything the sender chose (filename, subject,
// addresses) is data inside the JSON, escaped by JSON.stringify, never part of a path. Pure.
import { basename } from 'node:path';
import type { FlowOpenInfo } from '../flow/types.js';
import type { TransactionFacts } from '../smtp/types.js';
import { isoMicros } from '../shared/time.js';
import { isSha256Hex } from './store.js';
import { assignConnectionFields } from '../records/records.js';
import type { ConnectionFields } from '../records/types.js';

export interface SidecarLine extends ConnectionFields {
  ts: string;
  trans_depth: number;
  status: string;
  mail_from: string;
  rcpt_to: string[];
  subject?: string;
  message_id?: string;
  kind: 'attachment' | 'message';
  sha256: string;
  /** Decoded bytes (attachment) or bytes as submitted (message). */
  size: number;
  /** Attachments: the name as sent, decoded; never used for any path. */
  filename?: string;
  content_type?: string;
}

export interface Sighting {
  sha256: string;
  /** The JSON text plus '\n'. */
  line: Buffer;
}

function base(info: FlowOpenInfo, t: TransactionFacts, kind: SidecarLine['kind'], sha256: string, size: number): SidecarLine {
  const s = assignConnectionFields({ ts: isoMicros(t.tsMicros) }, info) as SidecarLine;
  s.trans_depth = t.trans_depth;
  s.status = t.status;
  s.mail_from = t.mail_from;
  s.rcpt_to = t.rcpt_to;
  s.kind = kind;
  s.sha256 = sha256;
  s.size = size;
  const m = t.message;
  if (m?.subject !== undefined) s.subject = m.subject;
  if (m?.message_id !== undefined) s.message_id = m.message_id;
  return s;
}

/** The hash is the file's name: the last path component, checked to be hex. */
function shaOf(path: string): string | undefined {
  const b = basename(path);
  return isSha256Hex(b) ? b : undefined;
}

function encode(s: SidecarLine): Sighting {
  return { sha256: s.sha256, line: Buffer.from(`${JSON.stringify(s)}\n`, 'utf8') };
}

/** One sighting per extracted file of the transaction: the whole message first, then attachments in order. */
export function buildSightings(info: FlowOpenInfo, t: TransactionFacts): Sighting[] {
  const out: Sighting[] = [];
  const m = t.message;
  if (m === undefined) return out;
  if (m.extracted !== undefined) {
    const sha = shaOf(m.extracted);
    if (sha !== undefined) out.push(encode(base(info, t, 'message', sha, t.data_bytes)));
  }
  for (const a of m.attachments) {
    if (a.extracted === undefined) continue;
    const sha = shaOf(a.extracted);
    if (sha === undefined) continue;
    const s = base(info, t, 'attachment', sha, a.size);
    if (a.filename !== undefined) s.filename = a.filename;
    s.content_type = a.content_type;
    out.push(encode(s));
  }
  return out;
}
