// Generator ground truth (shared/tools/gen-smtp-pcap.py --truth): the truth record type, reading a
// truth file, and the comparison of reported smtp_transaction events against it, shared by the
// ground-truth test and the read benchmark (a fast wrong answer does not count).
import { readFileSync } from 'node:fs';

type Obj = Record<string, unknown>;

export interface TruthAttachment {
  filename: string;
  size: number;
  sha256: string;
}

/** The fields of a gen-smtp-pcap.py --truth record this test relies on. */
export interface Truth {
  session: number;
  txn: number;
  client: string;
  client_port: number;
  server: string;
  server_port: number;
  ipv6: boolean;
  ehlo: string;
  auth_user: string | null;
  mail_from: string;
  rcpt_to: string[];
  subject: string;
  message_id: string;
  attachments: TruthAttachment[];
  message_bytes: number;
}

/** Reads a --truth file (one JSON record per line). */
export function readTruth(file: string): Truth[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Truth);
}

export function keyOf(ip: unknown, port: unknown): string {
  return `${String(ip)}|${String(port)}`;
}

export function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list === undefined) m.set(k, [it]);
    else list.push(it);
  }
  return m;
}

/** Every difference between one truth record and the transaction reported for it. */
export function compare(t: Truth, e: Obj): string[] {
  const where = `${t.client}:${t.client_port} txn ${t.txn}`;
  const bad: string[] = [];
  const check = (field: string, got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) bad.push(`${where}: ${field} is ${JSON.stringify(got)}, truth ${JSON.stringify(want)}`);
  };
  check('dst_ip', e.dst_ip, t.server);
  check('dst_port', e.dst_port, t.server_port);
  check('helo', e.helo, t.ehlo);
  check('mail_from', e.mail_from, t.mail_from);
  check('rcpt_to', e.rcpt_to, t.rcpt_to);
  check('status', e.status, 'accepted');
  check('gap_bytes', e.gap_bytes, 0);
  check('data_bytes', e.data_bytes, t.message_bytes);
  const auth = e.auth as Obj | undefined;
  if (t.auth_user === null) check('auth', auth, undefined);
  else check('auth', auth === undefined ? undefined : { mechanism: auth.mechanism, user: auth.user, result: auth.result, cleartext: auth.cleartext }, { mechanism: 'LOGIN', user: t.auth_user, result: 'success', cleartext: true });
  const m = e.message as Obj | undefined;
  if (m === undefined) {
    bad.push(`${where}: no message`);
    return bad;
  }
  check('message.subject', m.subject, t.subject);
  check('message.message_id', m.message_id, t.message_id);
  const atts = (m.attachments as Obj[] | undefined) ?? [];
  check(
    'message.attachments',
    atts.map((a) => ({ filename: a.filename, size: a.size, sha256: a.sha256 })),
    t.attachments.map((a) => ({ filename: a.filename, size: a.size, sha256: a.sha256 })),
  );
  return bad;
}

/**
 * Every difference between the truth and the reported transactions: each truth transaction once,
 * matched by (client ip, client port, order in the session), nothing extra.
 */
export function truthProblems(truth: readonly Truth[], txns: readonly Obj[]): string[] {
  const reported = groupBy(txns, (e) => keyOf(e.src_ip, e.src_port));
  const expected = groupBy(truth, (t) => keyOf(t.client, t.client_port));
  const problems: string[] = [];
  for (const [k, list] of expected) {
    const got = (reported.get(k) ?? []).slice().sort((a, b) => (a.trans_depth as number) - (b.trans_depth as number));
    if (got.length !== list.length) problems.push(`${k}: ${list.length} truth transactions, ${got.length} reported`);
    const ordered = list.slice().sort((a, b) => a.txn - b.txn);
    for (let i = 0; i < ordered.length && i < got.length; i++) problems.push(...compare(ordered[i]!, got[i]!));
  }
  for (const k of reported.keys()) if (!expected.has(k)) problems.push(`${k}: reported transactions that are not in the truth`);
  return problems;
}
