// `mailtap read --filter EXPR FILE` against `tcpdump -r FILE -w - EXPR` on real captures (issue 14
// item 7): the same number of packets pass, and the events equal those of reading tcpdump's
// filtered output. MAILTAP_CAPTURE_FILTER and capture.filter in the config file apply to read too.
// Needs tcpdump and the built addon (npm run build:native), as CI has.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileSource } from '../../src/capture/file-source.js';
import { missingTools } from '../helpers/netns.js';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

const REAL_MAIL = fixture('real-mail', 'real-mail.pcap');
const ZEEK_SMTP = fixture('corpus', 'zeek', 'testing', 'btest', 'Traces', 'smtp.pcap');
const SMTPERR = fixture('corpus', 'suricata-verify', 'tests', 'smtp-errors', 'smtperr.pcap');
const NULL_LINK = fixture('corpus', 'suricata-verify', 'tests', 'smtp-rset', 'input.pcap');
const PCAPNG = fixture('corpus', 'zeek', 'testing', 'btest', 'Traces', 'smtp', 'smtp-bdat-cmd-invalid.pcapng');

/** [capture, expression]: ports, flags, lengths, negation, a BSD loopback link, a pcapng file. */
const CASES: [string, string][] = [
  [REAL_MAIL, 'tcp port 48848'],
  [REAL_MAIL, 'src port 25 and tcp[tcpflags] & tcp-push != 0'],
  [ZEEK_SMTP, 'not tcp port 25'],
  [ZEEK_SMTP, 'tcp port 25 and greater 300'],
  [SMTPERR, 'tcp[tcpflags] & (tcp-syn|tcp-fin) != 0 or (tcp port 25 and less 80)'],
  [NULL_LINK, 'tcp dst port 25'],
  [PCAPNG, 'tcp src port 25'],
];

let dir = '';

before(() => {
  const missing = missingTools(['tcpdump']);
  if (missing.length > 0) throw new Error(`missing tools: ${missing.join(', ')}; run scripts/install-deps.sh --test`);
  dir = mkdtempSync(join(tmpdir(), 'mailtap-read-filter-'));
});

after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** tcpdump's own filtering of `file`, written as a classic pcap. */
function tcpdumpFiltered(file: string, expr: string, name: string): string {
  const out = execFileSync('tcpdump', ['-r', file, '-w', '-', expr], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000, maxBuffer: 64 << 20 });
  const path = join(dir, name);
  writeFileSync(path, out);
  return path;
}

async function countPackets(file: string): Promise<number> {
  let n = 0;
  await openFileSource([file], { onWarning: () => undefined }).run(() => n++);
  return n;
}

type Json = Record<string, unknown>;

/** Events without the fields that may differ between two processes (uids, write time). */
function comparable(events: Json[]): Json[] {
  return events.map((e) => {
    const { uid: _uid, time: _time, ...rest } = e;
    return rest;
  });
}

function finished(stderr: string): Json {
  const line = ndjson(stderr).find((l) => l['msg'] === 'read finished');
  assert.ok(line !== undefined, stderr);
  return line;
}

for (const [i, [file, expr]] of CASES.entries()) {
  test(`read --filter "${expr}" ${file.split('/').slice(-2).join('/')}: tcpdump's packets and their events`, { timeout: 120_000 }, async () => {
    const filtered = tcpdumpFiltered(file, expr, `case${i}.pcap`);
    const want = await countPackets(filtered);
    const total = await countPackets(file);
    assert.ok(want > 0 && want < total, `the expression must select some packets, not all: ${want} of ${total}`);

    const got = await runCli(['read', '--workers', '1', '--filter', expr, file]);
    assert.equal(got.code, 0, got.stderr);
    const stats = finished(got.stderr)['filter'] as Json;
    assert.deepEqual(stats, { expression: expr, matched: want, rejected: total - want, uncompiled: 0 });

    const reference = await runCli(['read', '--workers', '1', filtered]);
    assert.equal(reference.code, 0, reference.stderr);
    assert.deepEqual(comparable(ndjson(got.stdout)), comparable(ndjson(reference.stdout)));
  });
}

test('MAILTAP_CAPTURE_FILTER and capture.filter in the config file apply to read (no longer ignored)', { timeout: 120_000 }, async () => {
  const expr = 'tcp port 48848';
  const want = await countPackets(tcpdumpFiltered(REAL_MAIL, expr, 'env.pcap'));
  const byEnv = await runCli(['read', '--workers', '1', REAL_MAIL], { env: { MAILTAP_CAPTURE_FILTER: expr } });
  assert.equal(byEnv.code, 0, byEnv.stderr);
  assert.equal((finished(byEnv.stderr)['filter'] as Json)['matched'], want);
  const cfg = join(dir, 'filter.yaml');
  writeFileSync(cfg, `capture:\n  filter: "${expr}"\n`);
  const byConfig = await runCli(['read', '--workers', '1', '--config', cfg, REAL_MAIL]);
  assert.equal(byConfig.code, 0, byConfig.stderr);
  assert.equal((finished(byConfig.stderr)['filter'] as Json)['matched'], want);
  assert.deepEqual(comparable(ndjson(byConfig.stdout)), comparable(ndjson(byEnv.stdout)));
  const sessions = ndjson(byEnv.stdout).filter((e) => e['event'] === 'smtp_session');
  assert.deepEqual(sessions.map((s) => s['src_port']), [48848], 'one connection of the seven');
});

test('read --filter that does not compile: exit 1 before reading, the message names capture.filter', { timeout: 60_000 }, async () => {
  const r = await runCli(['read', '--workers', '1', '--filter', 'tcp portt 25', REAL_MAIL]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout.length, 0, 'no event');
  const err = ndjson(r.stderr).find((l) => l['level'] === 'error');
  assert.ok(err !== undefined, r.stderr);
  assert.match(String((err['problems'] as string[])[0]), /^capture\.filter: .*syntax error/);
});
