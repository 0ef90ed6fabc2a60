// Issue 16 part 2 end to end: `mailtap read` on a capture (test/helpers/header-facts-pcap.ts) of
// one SMTP session whose message carries Received, Authentication-Results, DKIM-Signature and
// ARC-Seal headers and a custom header named in output.headers. Checks the parsed facts, `path`
// as Zeek writes it (server, client, hops' from_ip, no repeats), and every line against the
// events schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { CLIENT, SERVER, headerFactsCapture } from '../helpers/header-facts-pcap.js';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

type Obj = Record<string, unknown>;

test('mailtap read: auth_results, dkim, arc_chain, received_hops, headers, header_names and path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-header-facts-'));
  try {
    const pcap = join(dir, 'header-facts.pcap');
    writeFileSync(pcap, headerFactsCapture());
    const r = await runCli(['read', '--workers', '1', pcap], { env: { MAILTAP_OUTPUT_HEADERS: '[X-Spam-Status, List-Id]' } });
    assert.equal(r.code, 0, r.stderr);
    const events = ndjson(r.stdout);
    const schema = JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    for (const e of events) assert.ok(validate(e), `${JSON.stringify(validate.errors)} in ${JSON.stringify(e)}`);
    const tx = events.filter((e) => e.event === 'smtp_transaction');
    assert.equal(tx.length, 1);
    const m = tx[0]!.message as Obj;
    assert.deepEqual(m.path, [SERVER, CLIENT, '10.1.2.3'], 'the first hop repeats the client: listed once');
    assert.deepEqual(m.received_hops, [
      { from_host: 'mail.example.net', from_ip: CLIENT, by_host: 'relay.example.net', with: 'ESMTPS', id: '4F1B2C3D4E', for: 'bob@example.org', time: '2023-11-16T22:13:20.000Z' },
      { from_host: 'laptop.example.net', from_ip: '10.1.2.3', by_host: 'mail.example.net', with: 'esmtpsa', id: '1r3ABC-000123-Xy', time: '2023-11-16T22:13:18.000Z' },
    ]);
    assert.equal((m.received as string[]).length, 2);
    assert.deepEqual(m.auth_results, [
      {
        authserv_id: 'relay.example.net',
        results: [
          { method: 'dkim', result: 'pass', props: { 'header.i': '@example.net', 'header.s': 'sel1', 'header.b': 'Zm9v' } },
          { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'alice@example.net' } },
          { method: 'dmarc', result: 'fail', props: { 'header.from': 'bank.example' } },
        ],
      },
    ]);
    assert.deepEqual(m.dkim, [{ d: 'example.net', s: 'sel1', a: 'rsa-sha256', h: 'From:To:Subject:Date:Message-ID', t: '1700172798', x: '1700777598' }]);
    assert.equal(m.arc_chain, 2);
    assert.deepEqual(m.headers, { 'x-spam-status': ['No, score=-0.1 required=5.0'] });
    assert.deepEqual(m.header_names, [
      'ARC-Seal', 'ARC-Seal', 'Authentication-Results', 'Received', 'Received', 'DKIM-Signature', 'X-Spam-Status',
      'From', 'To', 'Subject', 'Date', 'Message-ID',
    ]);
    assert.equal(m.header_count, 12);
    assert.deepEqual(tx[0]!.anomalies, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
