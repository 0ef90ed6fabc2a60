import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ndjson, runCli } from '../helpers/run-cli.js';
import { fixture } from '../helpers/paths.js';
import { UID_PREFIX_LENGTH, flowIdOfUid, uidPrefix } from '../../src/flow/uid.js';

// Issue 14 item 4 (SPEC §3): `mailtap read a.pcap; mailtap read b.pcap` numbered connections the
// same way in both runs, so a SIEM joining on uid merged different connections. Every process now
// draws a random uid prefix; only a configured seed (tests, golden files) makes uids reproducible.

const PCAP = fixture('real-mail', 'real-mail.pcap');
const NO_SEED = { MAILTAP_OUTPUT_UID_SEED: undefined };

async function uids(args: string[], env: Record<string, string | undefined>): Promise<string[]> {
  const r = await runCli(args, { env });
  assert.equal(r.code, 0, r.stderr);
  const out = ndjson(r.stdout).map((e) => String(e['uid']));
  assert.ok(out.length > 5, `events from ${PCAP}: ${out.length}`);
  return out;
}

test('two reads of the same file without a seed share no uid', async () => {
  const a = new Set(await uids(['read', '--workers', '1', PCAP], NO_SEED));
  const b = new Set(await uids(['read', '--workers', '1', PCAP], NO_SEED));
  for (const u of a) assert.ok(!b.has(u), `${u} appears in both runs`);
  for (const u of [...a, ...b]) assert.match(u, new RegExp(`^C[0-9A-Za-z]{${UID_PREFIX_LENGTH}}[0-9a-z]+$`));
});

test('two `flows` runs without a seed share no uid either', async () => {
  const a = new Set(await uids(['flows', PCAP], NO_SEED));
  const b = await uids(['flows', PCAP], NO_SEED);
  assert.ok(!b.some((u) => a.has(u)));
});

test('with output.uid_seed the uids are the same on every run, and a different seed gives others', async () => {
  const seeded = { MAILTAP_OUTPUT_UID_SEED: 'lab-1' };
  const a = await uids(['read', '--workers', '1', PCAP], seeded);
  const b = await uids(['read', '--workers', '2', PCAP], seeded);
  assert.deepEqual([...new Set(b)].sort(), [...new Set(a)].sort());
  for (const u of a) assert.ok(u.startsWith(`C${uidPrefix('lab-1')}`), u);
  const other = new Set(await uids(['read', '--workers', '1', PCAP], { MAILTAP_OUTPUT_UID_SEED: 'lab-2' }));
  assert.ok(!a.some((u) => other.has(u)));
});

test('uidPrefix: random and fixed-length without a seed, stable with one; flowIdOfUid reads the number back', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const p = uidPrefix('');
    assert.equal(p.length, UID_PREFIX_LENGTH);
    seen.add(p);
  }
  assert.equal(seen.size, 1000);
  assert.equal(uidPrefix('x'), uidPrefix('x'));
  assert.notEqual(uidPrefix('x'), uidPrefix('y'));
  assert.equal(flowIdOfUid(`C${uidPrefix('x')}${(123456).toString(36)}`), 123456);
});
