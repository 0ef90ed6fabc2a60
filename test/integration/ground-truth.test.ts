// Proof against generator ground truth: shared/tools/gen-smtp-pcap.py writes a pcap and one truth
// record per transaction; `mailtap read` must report each truth transaction exactly once, matched
// by (client ip, client port, order in the session), with the exact envelope, subject, attachment
// names/sizes/sha256, AUTH user, EHLO name and IPv6 addresses, and nothing extra.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';
import type { Truth } from '../helpers/truth.js';
import { groupBy, keyOf, readTruth, truthProblems } from '../helpers/truth.js';


const GENERATOR = join(SHARED, 'tools', 'gen-smtp-pcap.py');

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
      resolve({ pcap, truth: readTruth(truthFile) });
    });
  });
}

async function verify(name: string, args: readonly string[]): Promise<void> {
  const { pcap, truth } = await generate(name, args);
  assert.ok(truth.length > 0, 'the generator wrote truth records');
  const r = await runCli(['read', '--workers', '2', pcap]);
  assert.equal(r.code, 0, r.stderr);
  const events = ndjson(r.stdout);
  const txns = events.filter((e) => e.event === 'smtp_transaction');
  const sessions = events.filter((e) => e.event === 'smtp_session');

  const expected = groupBy(truth, (t) => keyOf(t.client, t.client_port));
  const problems = truthProblems(truth, txns);
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
