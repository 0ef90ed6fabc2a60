// Shapes of the real-mail test's two inputs, checked with zod: expected.json (what clients.py says
// the clients sent) and the SPEC §3 events the test reads back from `mailtap read` (only the fields
// it asserts; other fields pass through). Owns no state.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const Attachment = z.object({ filename: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const Mailbox = z.object({ name: z.string(), address: z.string() });

const ExpectedTransaction = z.object({
  mail_from: z.string(),
  rcpt_to: z.array(z.string()),
  rcpt_rejected: z.array(z.object({ address: z.string(), code: z.number().int() })),
  status: z.enum(['accepted', 'aborted']),
  /** false when the transaction crossed inside TLS (nothing of it is on the wire in clear). */
  visible: z.boolean(),
  attachments: z.array(Attachment),
  subject: z.string().optional(),
  from: Mailbox.optional(),
  message_id: z.string().optional(),
  data_bytes: z.number().int().optional(),
  /** MAIL FROM parameters as the client wrote them, keys upper-cased (smtplib writes `size=`). */
  mail_params: z.record(z.string(), z.string()).optional(),
});

const ExpectedSession = z.object({
  name: z.string(),
  client: z.enum(['swaks', 'smtplib']),
  server_ip: z.string(),
  server_port: z.number().int(),
  ipv6: z.boolean(),
  helo: z.string(),
  auth: z.object({ mechanism: z.string(), user: z.string() }).nullable(),
  starttls: z.boolean(),
  transaction_count: z.number().int(),
  transactions: z.array(ExpectedTransaction),
});

const ExpectedFile = z.object({
  banner: z.string(),
  sasl: z.object({ user: z.string(), password: z.string() }),
  /** The password and its base64 forms as sent on the wire: none may appear in mailtap's output. */
  forbidden: z.array(z.string().min(8)),
  sessions: z.array(ExpectedSession).min(1),
});

export type Expected = z.infer<typeof ExpectedFile>;
export type ExpectedSessionT = z.infer<typeof ExpectedSession>;
export type ExpectedTransactionT = z.infer<typeof ExpectedTransaction>;

export function loadExpected(path: string): Expected {
  return ExpectedFile.parse(JSON.parse(readFileSync(path, 'utf8')));
}

const Auth = z.looseObject({
  mechanism: z.string(),
  user: z.string().optional(),
  result: z.enum(['success', 'failure', 'unknown']),
  cleartext: z.boolean(),
});

const Common = {
  time: z.string(),
  ts: z.string(),
  uid: z.string().min(1),
  community_id: z.string().min(1),
  src_ip: z.string(),
  src_port: z.number().int(),
  dst_ip: z.string(),
  dst_port: z.number().int(),
};

const Message = z.looseObject({
  subject: z.string().optional(),
  from: z.array(Mailbox).optional(),
  message_id: z.string().optional(),
  attachments: z.array(z.looseObject({ filename: z.string().optional(), sha256: z.string() })).optional(),
  signals: z.array(z.string()).optional(),
});

export const TransactionEvent = z.looseObject({
  ...Common,
  event: z.literal('smtp_transaction'),
  trans_depth: z.number().int().min(1),
  helo: z.string().optional(),
  auth: Auth.optional(),
  tls: z.boolean(),
  mail_from: z.string(),
  mail_params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  rcpt_to: z.array(z.string()),
  rcpt_rejected: z.array(z.object({ address: z.string(), code: z.number().int() })).optional(),
  status: z.string(),
  reply: z.object({ code: z.number().int(), text: z.string() }).optional(),
  data_bytes: z.number().int().optional(),
  gap_bytes: z.number().int(),
  anomalies: z.array(z.string()).optional(),
  message: Message.optional(),
});

export const SessionEvent = z.looseObject({
  ...Common,
  event: z.literal('smtp_session'),
  banner: z.string().optional(),
  helo: z.string().optional(),
  auth: Auth.optional(),
  starttls: z.enum(['offered', 'attempted', 'succeeded']).optional(),
  ehlo_keywords: z.array(z.string()).optional(),
  transactions: z.number().int(),
  gap_bytes: z.number().int(),
  close: z.string(),
  anomalies: z.array(z.string()).optional(),
});

export type TransactionEventT = z.infer<typeof TransactionEvent>;
export type SessionEventT = z.infer<typeof SessionEvent>;
