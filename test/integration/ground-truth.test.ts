// Proof against generator ground truth: shared/tools/gen-smtp-pcap.py writes a pcap and one truth
// record per transaction; `mailtap read` must report each truth transaction exactly once, matched
// by (client ip, client port, order in the session), with the exact envelope, subject, attachment
// names/sizes/sha256, AUTH user, EHLO name and IPv6 addresses, and nothing extra.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

type Obj = Record<string, unknown>;

const GENERATOR = join(SHARED, 'tools', 'gen-smtp-pcap.py');

interface TruthAttachment {
  filename: string;
  size: number;
  sha256: string;
}

/** The fields of a gen-smtp-pcap.py --truth record this test relies on. */
interface Truth {
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

const tmp = mkdtempSync(join(tmpdir(), 'mailtap-truth-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function generate(name: string, args: readonly string[]): Promise<{ pcap: string; truth: Truth[] }> {
  const pcap = join(tmp, `${name}.pcap`);
  const truthFile = join(tmp, `${name}.jsonl`);
  return new Promise((resolve, reject) => {
    execFile('python3', [GENERATOR, '-q', '-o', pcap, '--truth', truthFile, ...args], (err, _out, stderr) => {
      if (err !== null) {
        reject(new Error(`${GENERATOR} failed: ${stderr}`));
        return;
      }
      const truth = readFileSync(truthFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Truth);
      resolve({ pcap, truth });
    });
  });
}

function keyOf(ip: unknown, port: unknown): string {
  return `${String(ip)}|${String(port)}`;
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
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
function compare(t: Truth, e: Obj): string[] {
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

async function verify(name: string, args: readonly string[]): Promise<void> {
  const { pcap, truth } = await generate(name, args);
  assert.ok(truth.length > 0, 'the generator wrote truth records');
  const r = await runCli(['read', '--workers', '2', pcap]);
  assert.equal(r.code, 0, r.stderr);
  const events = ndjson(r.stdout);
  const txns = events.filter((e) => e.event === 'smtp_transaction');
  const sessions = events.filter((e) => e.event === 'smtp_session');

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
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} mismatches`);
  assert.equal(txns.length, truth.length, 'no extra transactions');

  // One session per truth connection, with the transaction count of the truth.
  const sessionsByKey = groupBy(sessions, (e) => keyOf(e.src_ip, e.src_port));
  for (const [k, list] of expected) {
    const s = sessionsByKey.get(k);
    assert.equal(s?.length, 1, `${k}: one smtp_session`);
    assert.equal(s?.[0]?.transactions, list.length, `${k}: transactions`);
  }
  assert.equal(sessions.length, expected.size, 'no sessions beyond the truth connections');
  // The IPv6 share of the run really was exercised (addresses compared above as text).
  if (truth.some((t) => t.ipv6)) assert.ok(txns.some((e) => String(e.src_ip).includes(':')), 'IPv6 transactions reported');
}

describe('ground truth from gen-smtp-pcap.py', () => {
  it('the generator is present beside the clone (../shared/tools)', () => assert.ok(existsSync(GENERATOR), GENERATOR));

  it('mixed IPv6, submission with AUTH, several transactions, pipelining, attachments', () =>
    verify('mixed', ['--sessions', '150', '--ipv6-frac', '0.2', '--submission-frac', '0.3', '--multi-txn-frac', '0.3', '--pipelining-frac', '0.5', '--attach-kb', '20', '--seed', '7']));

  it('200 sessions open at once', () =>
    verify('concurrent', ['--sessions', '400', '--concurrency', '200', '--attach-kb', '8', '--ipv6-frac', '0.1', '--multi-txn-frac', '0.2', '--auth-frac', '0.3', '--seed', '11']));
});
