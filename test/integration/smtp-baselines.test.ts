// Issue 3: the SMTP engine against the corpus baselines. For every capture with a Zeek smtp.log
// baseline and every suricata-verify test.yaml whose filters check eve `smtp`/`email` fields,
// `mailtap read` (once per capture) must agree per transaction on envelope, helo, last reply, TLS
// flag and transaction count, plus attachment names and subjects where the expectation has them.
// The expectation → capture map is MANIFEST.md's expectation table, so a new baseline is picked up.
// (Arkime's .test files are session summaries, not per-transaction baselines; golden tests hold them.)
//
// Mapping rules, Zeek smtp.log (one row per transaction):
//   mailfrom `-`   ⇔ our mail_from ""   Zeek drops the null sender <>, and writes `-` for RCPT/DATA
//                                        without MAIL (our schema requires the field: "" then, with
//                                        the smtp_rcpt_without_mail anomaly)
//   mailfrom <a>   ⇔ a                  some Zeek versions log the angle brackets; ours never has them
//   rcptto         ⇔ rcpt_to ∪ rcpt_rejected, as a set   Zeek logs every RCPT argument, refused ones too
//   last_reply     ⇔ `${code} ${last line of reply.text}`   Zeek keeps only the last line of a multi-line reply
//   a row without MAIL, RCPT or message ⇔ our smtp_session with transactions: 0 (Zeek writes a row
//                                        for the session; we write no transaction). Its helo and tls
//                                        (starttls: "succeeded") are compared; its last_reply is not:
//                                        smtp_session carries no reply
//   trans_depth    not compared         Zeek restarts it at 1 for each row of a one-sided capture
//                                        (smtp-one-side-only); we number 1..n and check the count instead
//   files.log filename (named files only) ⇔ our attachments' filenames, as a multiset per capture
//
// Mapping rules, suricata-verify (eve event_type smtp, Suricata ≥ 8.0.7 behaviour):
//   one eve smtp event per smtp_transaction (tx_id = trans_depth − 1), and one per smtp_session with
//   transactions: 0 (Suricata logs a transaction for a session without MAIL: smtp-startssl, smtp-long-command)
//   smtp.mail_from / smtp.rcpt_to[i]   compared without angle brackets (Suricata logs the argument as written)
//   smtp.rcpt_to   ⇔ rcpt_to then rcpt_rejected   Suricata lists refused recipients too
//   smtp.helo      a trailing "\r" of theirs is dropped: Suricata keeps the CR of a line it cut at
//                  4096 bytes (TRUNCATED_LINE, smtp-long-command); we keep the whole argument
//   email.*        present when a message was seen; email.status PARSE_DONE ⇔ message with no gap
//   email.from / email.to[i]   the address inside their raw header value ⇔ our parsed address
//   email.attachment[i]        ⇔ i-th attachment that has a filename; theirs is cut at 255 bytes
//                              (MIME_LONG_FILENAME, mime-dec-parse-long-filename01): a prefix then
//   email.message_id           compared without angle brackets (ours never has them)
//   filters with `lt-version`  skipped: they describe Suricata before 8.0.7 (a trailing QUIT transaction)
//   NEUTRAL_KEYS (pcap_cnt, proto …) hold for every smtp event; IGNORED_KEYS (email.url, email.received,
//   body/subject md5) are facts mailtap reports differently or not at all: an event with a message
//   neither matches nor misses them, so such a filter's count is checked as bounds (smtp-data-rejected)
//   a filter without event_type whose keys are all smtp./email. is read as an smtp filter (smtp-bug-6053,
//   smtp-startssl): no rules were loaded, so only smtp events carry those keys
//
// suricata-verify tests out of scope (no eve smtp/email field is checked; SV_OUT_OF_SCOPE asserts this list):
//   bug-1045, bug-3616-smtp, detect-email-from, detect-email-to,
//   detect-email-url, smtp-keywords, smtp-long-DATA-line-02-frames, -03-frames-ips, from_base64-04,
//   smtp-attachment-md5, smtp-rset   only Suricata rule alerts (detection keywords, frames)
//   mime-quoted-printable, mime-stream-depth, smtp-rfc2231, mime/smtp-mime-encap-8649-baseline
//                                    only fileinfo events (file hashes: the MIME stage's tests)
//   smtp-errors                      only anomaly events and parser stats
//   smtp-no-helo-quit, smtp-no-helo-rset   only the app_layer.tx.smtp stat
//   smtp-raw-extraction              only a filestore file on disk
//   firewall/ruletype-firewall-125, -133   their one smtp filter (count 0) counts a transaction the
//                                    firewall dropped in IPS mode; a passive sensor sees it
//                                    (SV_SKIPPED_FILTERS); the rest are rule alerts and stats
//
// Where the baseline is wrong or a different convention (EXCEPTIONS below, one reason each):
//   zeek mail-transactions-invalid   Zeek cuts a transaction at a MAIL the server refused with
//                                    503 "sender already given"; the server kept the envelope, so we
//                                    report one transaction where Zeek writes two rows
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CORPUS, corpusEvents, manifestExpectations } from '../helpers/corpus-reads.js';
import { evePath, keyList, parseSuricataVerify } from '../helpers/suricata-yaml.js';
import type { SvFilter } from '../helpers/suricata-yaml.js';
import { normaliseIp } from '../../src/mime/ip-literal.js';
import { parseZeekLog, zeekList, zeekString } from '../helpers/zeek-log.js';
import type { ZeekRow } from '../helpers/zeek-log.js';

type Obj = Record<string, unknown>;

const EXPECTATIONS = manifestExpectations();
const ZEEK_LOGS = EXPECTATIONS.filter((e) => e.expectation.startsWith('zeek/') && e.expectation.endsWith('/smtp.log'));
const ZEEK_FILES = EXPECTATIONS.filter((e) => e.expectation.startsWith('zeek/') && /\/files\.log(\.cut)?$/.test(e.expectation));
const SV_TESTS = EXPECTATIONS.filter((e) => e.expectation.startsWith('suricata-verify/') && e.expectation.endsWith('/test.yaml'));

/** Every capture with a Zeek smtp.log baseline (13 at the corpus snapshot). */
const MIN_ZEEK_CAPTURES = 13;
const MIN_ZEEK_PATHS = 14;
/** Every capture with a suricata-verify test.yaml checking eve smtp/email fields. */
const MIN_SV_CAPTURES = 36;

// ---- one `mailtap read` per capture, shared by every test ----

const events = corpusEvents;

before(() => {
  for (const e of [...ZEEK_LOGS, ...ZEEK_FILES, ...SV_TESTS]) void events(e.capture);
});

function connKey(e: Obj): string {
  return `${String(e.src_ip)} ${String(e.src_port)} ${String(e.dst_ip)} ${String(e.dst_port)}`;
}

function byDepth(a: Obj, b: Obj): number {
  return (a.trans_depth as number) - (b.trans_depth as number);
}

function lastLine(text: string): string {
  const nl = text.lastIndexOf('\n');
  return nl < 0 ? text : text.slice(nl + 1);
}

function stripAngles(s: string): string {
  const t = s.trim();
  return t.startsWith('<') && t.endsWith('>') ? t.slice(1, -1) : t;
}

function messageOf(tx: Obj): Obj | undefined {
  return tx.message as Obj | undefined;
}

function rcptAll(tx: Obj): string[] {
  const rejected = (tx.rcpt_rejected as { address: string }[]).map((r) => r.address);
  return [...(tx.rcpt_to as string[]), ...rejected];
}

// ---- Zeek ----

interface ZeekView {
  helo: string | null;
  mailfrom: string | null;
  rcptto: string[];
  last_reply: string | null;
  tls: boolean;
  subject: string | null;
}

function zeekViewOfRow(row: ZeekRow): ZeekView {
  const from = zeekString(row, 'mailfrom');
  return {
    helo: zeekString(row, 'helo'),
    mailfrom: from === null ? null : stripAngles(from),
    rcptto: zeekList(row, 'rcptto').map(stripAngles).sort(),
    last_reply: zeekString(row, 'last_reply'),
    tls: zeekString(row, 'tls') === 'T',
    subject: zeekString(row, 'subject'),
  };
}

function zeekViewOfTx(tx: Obj): ZeekView {
  const reply = tx.reply as { code: number; text: string } | undefined;
  const from = tx.mail_from as string;
  return {
    helo: (tx.helo as string | undefined) ?? null,
    mailfrom: from === '' ? null : from,
    rcptto: rcptAll(tx).sort(),
    last_reply: reply === undefined ? null : `${reply.code} ${lastLine(reply.text)}`,
    tls: tx.tls as boolean,
    subject: (messageOf(tx)?.subject as string | undefined) ?? null,
  };
}

/**
 * Our `path` as Zeek's would read, for comparison. Two deliberate differences, both from the
 * contract: ours lists each address once (Zeek starts with [resp_h, orig_h] even when they are
 * equal, as on loopback captures: the Zeek side is deduplicated above), and ours reads the
 * `[IPv6:…]` literals Postfix writes (Zeek's to_addr fails on the tag and skips the hop), so those
 * addresses are left out of ours here.
 */
function zeekComparablePath(m: Obj): string[] {
  const tagged = new Set<string>();
  for (const r of (m.received as string[] | undefined) ?? []) {
    for (const t of r.matchAll(/\[IPv6:([^\]]+)\]/gi)) tagged.add(normaliseIp(t[1]!) ?? '');
  }
  return (m.path as string[]).filter((ip) => !tagged.has(ip));
}

let pathsCompared = 0;

/** A row Zeek writes for a session in which no mail transaction started. */
function isSessionRow(row: ZeekRow): boolean {
  return zeekString(row, 'mailfrom') === null && zeekList(row, 'rcptto').length === 0 && zeekString(row, 'subject') === null && zeekString(row, 'from') === null;
}

interface ZeekException {
  why: string;
  /** Their rows of one connection → the rows we must match. */
  adjust(rows: ZeekRow[]): ZeekRow[];
}

const ZEEK_EXCEPTIONS: Record<string, ZeekException> = {
  'zeek/testing/btest/Baseline/scripts.base.protocols.smtp.mail-transactions-invalid/smtp.log': {
    why: 'rows 3 and 4 are one transaction: the MAIL between them was refused (503 sender already given), the server kept MAIL FROM bob and took RCPT/DATA into it',
    adjust: (rows) => {
      assert.equal(rows.length, 4, 'the baseline as it was when this exception was written');
      assert.equal(zeekString(rows[2]!, 'mailfrom'), zeekString(rows[3]!, 'mailfrom'));
      return [rows[0]!, rows[1]!, rows[3]!];
    },
  },
};

for (const { expectation, capture } of ZEEK_LOGS) {
  test(`zeek ${expectation.split('/').at(-2)!}: ${capture.split('/').at(-1)!}`, async () => {
    const log = parseZeekLog(readFileSync(join(CORPUS, expectation), 'utf8'));
    assert.ok(log.rows.length > 0, 'baseline has rows');
    const ours = await events(capture);
    const groups = new Map<string, ZeekRow[]>();
    for (const row of log.rows) {
      const key = `${zeekString(row, 'id.orig_h')} ${zeekString(row, 'id.orig_p')} ${zeekString(row, 'id.resp_h')} ${zeekString(row, 'id.resp_p')}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    for (const [key, rows] of groups) {
      const sessions = ours.filter((e) => e.event === 'smtp_session' && connKey(e) === key);
      assert.equal(sessions.length, 1, `${key}: one smtp_session`);
      const session = sessions[0]!;
      const txs = ours.filter((e) => e.event === 'smtp_transaction' && connKey(e) === key).sort(byDepth);
      const sessionRows = rows.filter(isSessionRow);
      let txRows = rows.filter((r) => !isSessionRow(r));
      const exception = ZEEK_EXCEPTIONS[expectation];
      if (exception !== undefined) txRows = exception.adjust(txRows);
      // Transaction count: rows vs our transactions, and the session's own count.
      assert.equal(txs.length, txRows.length, `${key}: transactions ${JSON.stringify(txs.map(zeekViewOfTx))}`);
      assert.equal(session.transactions, txRows.length, `${key}: smtp_session.transactions`);
      for (let i = 0; i < txRows.length; i++) {
        assert.deepEqual(zeekViewOfTx(txs[i]!), zeekViewOfRow(txRows[i]!), `${key}: transaction ${i + 1}`);
        // SPEC §3.1 `path`, as Zeek writes it (issue 16): server, client, then the Received hops.
        // Ours is a message field: a transaction whose data never came has none.
        const m = messageOf(txs[i]!);
        if (m?.path !== undefined) {
          assert.deepEqual(zeekComparablePath(m), [...new Set(zeekList(txRows[i]!, 'path'))], `${key}: path of transaction ${i + 1}`);
          pathsCompared++;
        }
      }
      for (const row of sessionRows) {
        assert.equal(txRows.length, 0, `${key}: Zeek writes a session row only when no transaction started`);
        assert.deepEqual(
          { helo: (session.helo as string | undefined) ?? null, tls: session.starttls === 'succeeded' },
          { helo: zeekString(row, 'helo'), tls: zeekString(row, 'tls') === 'T' },
          `${key}: session row`,
        );
      }
    }
  });
}

// files.log: the names of the files Zeek extracted from the messages ⇔ our attachments' filenames,
// as a multiset over the capture (Zeek also logs unnamed body parts: `-`, not compared).
for (const { expectation, capture } of ZEEK_FILES) {
  test(`zeek ${expectation.split('/').at(-2)!} ${expectation.split('/').at(-1)!}: attachment names`, async () => {
    const log = parseZeekLog(readFileSync(join(CORPUS, expectation), 'utf8'));
    assert.ok(log.fields.includes('filename') && log.rows.length > 0, 'baseline lists files with names');
    const theirs = log.rows.filter((r) => zeekString(r, 'source') === 'SMTP').map((r) => zeekString(r, 'filename')).filter((n) => n !== null);
    const ours = (await events(capture)).filter((e) => e.event === 'smtp_transaction').flatMap((e) => withNames(messageOf(e)?.attachments));
    assert.deepEqual(ours.sort(), theirs.sort());
  });
}

// ---- suricata-verify ----

/** Eve keys true of every smtp event of the capture as far as mailtap can tell, with the reason. */
const NEUTRAL_KEYS: Record<string, string> = {
  pcap_cnt: 'packet numbering of Suricata’s own run',
  proto: 'always TCP',
  pkt_src: 'Suricata pipeline detail',
  app_proto: 'always smtp for these events',
};

/**
 * Eve email fields mailtap does not report the same way, with the reason. A filter naming one can
 * neither be confirmed nor refuted by an event with a message: the count is then checked as bounds.
 */
const IGNORED_KEYS: Record<string, string> = {
  'email.url[]': 'URL extraction is a MIME-stage fact; its scheme handling is a Suricata option (two tests of one capture disagree)',
  'email.received[]': 'MIME-stage fact; Suricata drops folding whitespace and <…> from it (smtp-data-rejected)',
  'email.body_md5': 'not a mailtap field (text_sha256 instead)',
  'email.subject_md5': 'not a mailtap field',
};

/** suricata-verify tests with no eve smtp/email filter in scope, with the reason. */
const SV_OUT_OF_SCOPE: Record<string, string> = {
  'bug-1045': 'rule alerts only',
  'bug-3616-smtp': 'rule alerts only',
  'detect-email-from': 'rule alerts only',
  'detect-email-to': 'rule alerts only',
  'detect-email-url': 'rule alerts only',
  'smtp-keywords': 'rule alerts only',
  'smtp-long-DATA-line-02-frames': 'rule alerts on frames only',
  'smtp-long-DATA-line-03-frames-ips': 'rule alerts on frames only',
  'from_base64-04': 'rule alerts only',
  'smtp-attachment-md5': 'rule alerts only',
  'smtp-rset': 'rule alerts only',
  'mime/mime-quoted-printable': 'fileinfo only (MIME stage)',
  'mime/mime-stream-depth': 'fileinfo only (MIME stage)',
  'mime/smtp-mime-encap-8649-baseline': 'rule alerts and fileinfo only',
  'smtp-rfc2231': 'fileinfo only (MIME stage)',
  'smtp-errors': 'anomaly events and parser stats only',
  'smtp-no-helo-quit': 'stats only',
  'smtp-no-helo-rset': 'stats only',
  'smtp-raw-extraction': 'filestore only',
  'firewall/ruletype-firewall-125-smtp-all-rcpts-required-drop': 'rule alerts, and its smtp filter counts an IPS drop',
  'firewall/ruletype-firewall-133-smtp-out-of-order-commands': 'its smtp filter counts an IPS drop',
};

/** Single filters (by index in `checks`) that depend on Suricata acting inline, with the reason. */
const SV_SKIPPED_FILTERS: Record<string, { index: number; why: string }[]> = {
  'firewall/ruletype-firewall-125-smtp-all-rcpts-required-drop': [{ index: 3, why: 'count 0: the firewall dropped the transaction in IPS mode' }],
  'firewall/ruletype-firewall-133-smtp-out-of-order-commands': [{ index: 0, why: 'count 0: the firewall dropped the transaction in IPS mode' }],
};

const SPECIAL = new Set(['has-key', 'not-has-key']);

function svName(expectation: string): string {
  return dirname(expectation).replace(/^suricata-verify\/tests\//, '');
}

/** A filter about eve smtp events: event_type smtp, or no event_type and only smtp/email keys. */
function isSmtpFilter(f: SvFilter): boolean {
  const type = f.match.event_type;
  if (type !== undefined) return type === 'smtp';
  const keys = Object.keys(f.match).filter((k) => !SPECIAL.has(k));
  return keys.length > 0 && keys.every((k) => k.startsWith('smtp.') || k.startsWith('email.'));
}

function inScope(name: string, f: SvFilter): boolean {
  if (f.ltVersion !== undefined) return false;
  if ((SV_SKIPPED_FILTERS[name] ?? []).some((s) => s.index === f.index)) return false;
  return isSmtpFilter(f);
}

function addressIn(raw: string): string {
  const m = /<([^>]*)>\s*$/.exec(raw);
  return (m === null ? raw : m[1]!).trim();
}

function withNames(list: unknown): string[] {
  const out: string[] = [];
  for (const a of (list as Obj[] | undefined) ?? []) if (typeof a.filename === 'string') out.push(a.filename);
  return out;
}

/** Our events as eve smtp events (rules at the top of this file). */
function eveOf(all: Obj[]): Obj[] {
  const out: Obj[] = [];
  const common = (e: Obj): Obj => ({ event_type: 'smtp', src_ip: e.src_ip, src_port: e.src_port, dest_ip: e.dst_ip, dest_port: e.dst_port });
  for (const e of all) {
    if (e.event === 'smtp_session' && e.transactions === 0) {
      const smtp: Obj = {};
      if (e.helo !== undefined) smtp.helo = e.helo;
      out.push({ ...common(e), tx_id: 0, smtp });
    }
    if (e.event !== 'smtp_transaction') continue;
    const smtp: Obj = { mail_from: e.mail_from };
    if (e.helo !== undefined) smtp.helo = e.helo;
    const rcpts = rcptAll(e);
    if (rcpts.length > 0) smtp.rcpt_to = rcpts;
    const eve: Obj = { ...common(e), tx_id: (e.trans_depth as number) - 1, smtp };
    const m = messageOf(e);
    if (m !== undefined) {
      const email: Obj = { status: e.gap_bytes === 0 ? 'PARSE_DONE' : 'PARSE_ERROR' };
      const from = ((m.from as Obj[] | undefined) ?? []).map((a) => a.address);
      const to = ((m.to as Obj[] | undefined) ?? []).map((a) => a.address);
      const names = withNames(m.attachments);
      if (from.length > 0) email.from = from[0];
      if (to.length > 0) email.to = to;
      if (names.length > 0) email.attachment = names;
      for (const [k, v] of [['subject', m.subject], ['date', m.date], ['x_mailer', m.user_agent], ['message_id', m.message_id]] as const) {
        if (v !== undefined) email[k] = v;
      }
      eve.email = email;
    }
    out.push(eve);
  }
  return out;
}

/** The rule name of a key: indices folded (`smtp.rcpt_to[2]` → `smtp.rcpt_to[]`). */
function ruleKey(key: string): string {
  return key.replace(/\[\d+\]/g, '[]');
}

/** Compares one expected key of a filter to our eve projection; null = equal, else why not. */
function compareKey(eve: Obj, key: string, want: unknown): string | null {
  const rk = ruleKey(key);
  if (NEUTRAL_KEYS[rk] !== undefined) return null;
  const got = evePath(eve, key);
  if (!got.found) return `${key} missing`;
  const ours = String(got.value);
  let theirs = String(want);
  switch (rk) {
    case 'event_type': case 'src_ip': case 'src_port': case 'dest_ip': case 'dest_port': case 'tx_id':
    case 'email.status': case 'email.subject': case 'email.date': case 'email.x_mailer':
      break;
    case 'smtp.helo':
      if (theirs.endsWith('\r')) theirs = theirs.slice(0, -1);
      break;
    case 'smtp.mail_from': case 'smtp.rcpt_to[]': case 'email.message_id':
      theirs = stripAngles(theirs);
      break;
    case 'email.from': case 'email.to[]':
      theirs = addressIn(theirs);
      break;
    case 'email.attachment[]':
      if (theirs.length === 255 && ours.startsWith(theirs)) return null;
      break;
    default:
      return `${key}: no mapping rule (add one, or list it in IGNORED_KEYS with a reason)`;
  }
  return ours === theirs ? null : `${key}: ours ${JSON.stringify(ours)}, theirs ${JSON.stringify(theirs)}`;
}

/** An ignored key of a filter: undecidable on an event with a message, a miss on one without. */
function ignoredKey(eve: Obj, path: string): string | 'unknown' | null {
  if (IGNORED_KEYS[ruleKey(path)] === undefined) return null;
  return evePath(eve, 'email').found ? 'unknown' : 'email missing';
}

/** Why our eve event does not match the filter, 'unknown' when only ignored keys could tell, or null. */
function mismatch(eve: Obj, match: Record<string, unknown>): string | 'unknown' | null {
  let unknown = false;
  for (const [key, want] of Object.entries(match)) {
    const paths = key === 'has-key' || key === 'not-has-key' ? keyList(want) : [key];
    for (const path of paths) {
      const ignored = ignoredKey(eve, path);
      if (ignored === 'unknown') {
        unknown = true;
        continue;
      }
      if (ignored !== null) return ignored;
      let why: string | null;
      if (key === 'has-key' || key === 'not-has-key') why = evePath(eve, path).found === (key === 'has-key') ? null : `${key} ${path}`;
      else why = compareKey(eve, key, want);
      if (why !== null) return why;
    }
  }
  return unknown ? 'unknown' : null;
}

const svCovered = new Set<string>();
const svEmpty = new Set<string>();

for (const { expectation, capture } of SV_TESTS) {
  const name = svName(expectation);
  const sv = parseSuricataVerify(readFileSync(join(CORPUS, expectation), 'utf8'));
  const filters = sv.filters.filter((f) => inScope(name, f));
  if (filters.length === 0) {
    svEmpty.add(name);
    continue;
  }
  svCovered.add(capture);
  test(`suricata-verify ${name}`, async () => {
    const eves = eveOf(await events(capture));
    for (const f of filters) {
      const misses: string[] = [];
      let count = 0;
      let unknown = 0;
      for (const eve of eves) {
        const why = mismatch(eve, f.match);
        if (why === null) count++;
        else if (why === 'unknown') unknown++;
        else misses.push(`tx_id ${String(eve.tx_id)}: ${why}`);
      }
      const what = `checks[${f.index}] ${JSON.stringify(f.match)}: ${misses.join('; ')}`;
      if (unknown === 0) assert.equal(count, f.count, what);
      else assert.ok(count <= f.count && f.count <= count + unknown, `${what} (${unknown} undecidable)`);
    }
  });
}

test('every baseline is covered: no capture silently skipped', () => {
  const zeekCaptures = new Set(ZEEK_LOGS.map((e) => e.capture));
  assert.ok(zeekCaptures.size >= MIN_ZEEK_CAPTURES, `Zeek smtp.log captures: ${zeekCaptures.size}`);
  assert.ok(ZEEK_FILES.length >= 3, `Zeek files.log baselines: ${ZEEK_FILES.length}`);
  // Runs after the Zeek tests (node:test runs a file's tests in order): `path` was compared.
  assert.ok(pathsCompared >= MIN_ZEEK_PATHS, `messages whose path was compared with Zeek's: ${pathsCompared}`);
  assert.ok(svCovered.size >= MIN_SV_CAPTURES, `suricata-verify captures: ${svCovered.size} ${[...svCovered].join(' ')}`);
  // Every test.yaml without an in-scope filter is one the table above names, and no more.
  assert.deepEqual([...svEmpty].sort(), Object.keys(SV_OUT_OF_SCOPE).sort());
});
