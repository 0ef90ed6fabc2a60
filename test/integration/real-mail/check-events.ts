// Compares `mailtap read` output on a real-mail capture with expected.json (what the clients
// sent): every line is JSON, each visible transaction appears exactly once with its envelope,
// headers, attachments and AUTH, each session with its STARTTLS state and addresses, and no
// password form appears anywhere. Owns no state; throws AssertionError on the first mismatch.
import assert from 'node:assert/strict';
import { SessionEvent, TransactionEvent } from './expected.js';
import type {
  Expected,
  ExpectedSessionT,
  ExpectedTransactionT,
  SessionEventT,
  TransactionEventT,
} from './expected.js';

export interface ParsedEvents {
  transactions: TransactionEventT[];
  sessions: SessionEventT[];
  other: Record<string, unknown>[];
}

/** Every non-empty line must be one JSON object; the output must end with a newline. */
export function parseEventLines(stdout: string): ParsedEvents {
  assert.ok(stdout.length > 0, 'mailtap read wrote no events');
  assert.ok(stdout.endsWith('\n'), 'the last event line is not newline-terminated');
  const out: ParsedEvents = { transactions: [], sessions: [], other: [] };
  const lines = stdout.slice(0, -1).split('\n');
  for (const [i, line] of lines.entries()) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      assert.fail(`event line ${i + 1} is not JSON (${String(err)}): ${line.slice(0, 200)}`);
    }
    assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `line ${i + 1} is not a JSON object`);
    const ev = v as Record<string, unknown>;
    if (ev['event'] === 'smtp_transaction') out.transactions.push(TransactionEvent.parse(ev));
    else if (ev['event'] === 'smtp_session') out.sessions.push(SessionEvent.parse(ev));
    else out.other.push(ev);
  }
  return out;
}

export function assertNoSecrets(text: string, expected: Expected, where: string): void {
  for (const secret of expected.forbidden) {
    assert.ok(!text.includes(secret), `${where} contains a password form: ${secret}`);
  }
}

/** The AUTH mailtap can see: none when it came after STARTTLS (encrypted). */
function visibleAuth(exp: ExpectedSessionT): ExpectedSessionT['auth'] {
  return exp.starttls ? null : exp.auth;
}

function checkSessionEvent(s: SessionEventT, exp: ExpectedSessionT, banner: string): void {
  const label = `session ${exp.name}`;
  assert.equal(s.banner, banner, `${label}: banner`);
  // On loopback the client and the server share the address (127.0.0.1 or ::1).
  assert.equal(s.src_ip, exp.server_ip, `${label}: src_ip`);
  assert.equal(s.dst_ip, exp.server_ip, `${label}: dst_ip`);
  assert.equal(s.dst_port, exp.server_port, `${label}: dst_port`);
  assert.notEqual(s.src_port, exp.server_port, `${label}: client port is the ephemeral one`);
  // swaks drops a TLS connection with the server's close_notify unread, so the kernel answers with
  // RST there; every cleartext session ends with QUIT and FINs.
  if (exp.starttls) assert.ok(s.close === 'fin' || s.close === 'rst', `${label}: close ${s.close}`);
  else assert.equal(s.close, 'fin', `${label}: close`);
  // Postfix advertises STARTTLS in every EHLO reply; only one client uses it.
  assert.equal(s.starttls, exp.starttls ? 'succeeded' : 'offered', `${label}: starttls`);
  // An AUTH after STARTTLS crossed encrypted: mailtap must not report what it could not see.
  const auth = visibleAuth(exp);
  if (auth === null) {
    assert.equal(s.auth, undefined, `${label}: auth`);
  } else {
    assert.ok(s.auth !== undefined, `${label}: auth missing`);
    assert.equal(s.auth.mechanism, auth.mechanism, `${label}: auth.mechanism`);
    assert.equal(s.auth.user, auth.user, `${label}: auth.user`);
    assert.equal(s.auth.result, 'success', `${label}: auth.result`);
    assert.equal(s.auth.cleartext, true, `${label}: auth.cleartext`);
  }
  const visible = exp.transactions.filter((t) => t.visible).length;
  assert.equal(s.transactions, visible, `${label}: transactions`);
  // Postfix's EHLO reply as configured by capture.sh (PIPELINING, STARTTLS, AUTH PLAIN LOGIN).
  for (const kw of ['PIPELINING', 'STARTTLS', 'AUTH', '8BITMIME']) {
    assert.ok(s.ehlo_keywords?.includes(kw), `${label}: ehlo_keywords lacks ${kw}`);
  }
  // Loopback captures carry unfinished checksums (offload); nothing may be lost or flagged for it.
  assert.equal(s.gap_bytes, 0, `${label}: gap_bytes`);
  assert.deepEqual(s.anomalies ?? [], [], `${label}: anomalies`);
}

function checkTransaction(t: TransactionEventT, exp: ExpectedTransactionT, session: ExpectedSessionT, depth: number): void {
  const label = `session ${session.name}, transaction ${depth}`;
  assert.equal(t.trans_depth, depth, `${label}: trans_depth`);
  assert.equal(t.helo, session.helo, `${label}: helo`);
  assert.equal(t.tls, false, `${label}: tls`);
  assert.equal(t.mail_from, exp.mail_from, `${label}: mail_from`);
  assert.deepEqual(t.rcpt_to, exp.rcpt_to, `${label}: rcpt_to`);
  assert.deepEqual(t.rcpt_rejected ?? [], exp.rcpt_rejected, `${label}: rcpt_rejected`);
  assert.equal(t.status, exp.status, `${label}: status`);
  for (const [k, v] of Object.entries(exp.mail_params ?? {})) {
    assert.equal(String(t.mail_params?.[k]), v, `${label}: mail_params.${k}`);
  }
  const auth = visibleAuth(session);
  if (auth === null) {
    assert.equal(t.auth, undefined, `${label}: auth`);
  } else {
    assert.deepEqual(
      t.auth === undefined ? undefined : { m: t.auth.mechanism, u: t.auth.user, r: t.auth.result, c: t.auth.cleartext },
      { m: auth.mechanism, u: auth.user, r: 'success', c: true },
      `${label}: auth`,
    );
  }
  if (exp.data_bytes !== undefined) assert.equal(t.data_bytes, exp.data_bytes, `${label}: data_bytes`);
  assert.equal(t.gap_bytes, 0, `${label}: gap_bytes`);
  assert.deepEqual(t.anomalies ?? [], [], `${label}: anomalies`);
  if (exp.status === 'aborted') {
    assert.equal(t.message, undefined, `${label}: an aborted transaction has no message`);
    return;
  }
  // Postfix's reply to the end of data, as configured (discard transport, queued first).
  assert.equal(t.reply?.code, 250, `${label}: reply.code`);
  assert.match(t.reply.text, /^2\.0\.0 Ok: queued as [0-9A-Z]+$/, `${label}: reply.text`);
  const m = t.message;
  assert.ok(m !== undefined, `${label}: message missing`);
  const cleartextAuth = auth !== null;
  assert.equal(m.signals?.includes('auth_cleartext') ?? false, cleartextAuth, `${label}: signal auth_cleartext`);
  assert.equal(m.subject, exp.subject, `${label}: subject`);
  assert.deepEqual(m.from, exp.from === undefined ? undefined : [exp.from], `${label}: from`);
  assert.equal(m.message_id, exp.message_id, `${label}: message_id`);
  assert.deepEqual(
    (m.attachments ?? []).map((a) => ({ filename: a.filename, sha256: a.sha256 })),
    exp.attachments,
    `${label}: attachments`,
  );
}

/** The whole comparison; `stdout` and `stderr` are mailtap's, as text. */
export function checkRealMailEvents(stdout: string, stderr: string, expected: Expected): void {
  assertNoSecrets(stdout, expected, 'the events');
  assertNoSecrets(stderr, expected, 'the operational log');
  const ev = parseEventLines(stdout);
  assert.deepEqual(ev.other, [], 'real, well-formed mail raises no anomaly events');
  assert.equal(ev.sessions.length, expected.sessions.length, 'one smtp_session per client connection');
  const wanted = expected.sessions.reduce((n, s) => n + s.transactions.filter((t) => t.visible).length, 0);
  assert.equal(ev.transactions.length, wanted, 'one smtp_transaction per visible transaction, no more');
  for (const exp of expected.sessions) {
    const matches = ev.sessions.filter((s) => s.helo === exp.helo);
    assert.equal(matches.length, 1, `session ${exp.name}: exactly one smtp_session with helo ${exp.helo}`);
    const s = matches[0];
    assert.ok(s !== undefined);
    checkSessionEvent(s, exp, expected.banner);
    const mine = ev.transactions.filter((t) => t.uid === s.uid).sort((a, b) => a.trans_depth - b.trans_depth);
    const visible = exp.transactions.filter((t) => t.visible);
    assert.equal(mine.length, visible.length, `session ${exp.name}: transactions with its uid`);
    for (const [i, t] of visible.entries()) {
      const got = mine[i];
      assert.ok(got !== undefined);
      assert.equal(got.community_id, s.community_id, `session ${exp.name}: community_id`);
      checkTransaction(got, t, exp, i + 1);
    }
    for (const t of exp.transactions) {
      if (t.message_id === undefined) continue;
      const seen = ev.transactions.filter((e) => e.message?.message_id === t.message_id).length;
      assert.equal(seen, t.visible ? 1 : 0, `message ${t.message_id} reported ${seen} times`);
    }
  }
}
