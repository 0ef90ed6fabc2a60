// Issue 16 part 2 end to end: `mailtap read` on a capture (written here with the pcap helpers) of
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
import { PcapWriter, TcpConn, ip4 } from '../helpers/hostile-pcap.js';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

type Obj = Record<string, unknown>;

const CLIENT = '203.0.113.50';
const SERVER = '192.0.2.25';

/** The message as the client sends it (already CRLF, no line starts with '.'). */
export const HEADER_FACTS_MESSAGE = [
  'ARC-Seal: i=2; a=rsa-sha256; t=1700000100; cv=pass; d=relay.example.net; s=arc1; b=QUJD',
  'ARC-Seal: i=1; a=rsa-sha256; t=1700000000; cv=none; d=example.net; s=arc1; b=REVG',
  'Authentication-Results: relay.example.net;',
  '\tdkim=pass header.i=@example.net header.s=sel1 header.b=Zm9v;',
  '\tspf=pass (relay.example.net: domain of alice@example.net designates 10.1.2.3 as permitted sender) smtp.mailfrom=alice@example.net;',
  '\tdmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=bank.example',
  'Received: from mail.example.net (mail.example.net [203.0.113.50])',
  '\tby relay.example.net (Postfix) with ESMTPS id 4F1B2C3D4E',
  '\tfor <bob@example.org>; Thu, 16 Nov 2023 22:13:20 +0000 (UTC)',
  'Received: from [10.1.2.3] (helo=laptop.example.net) by mail.example.net with esmtpsa (Exim 4.96) id 1r3ABC-000123-Xy; Thu, 16 Nov 2023 22:13:18 +0000',
  'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=sel1;',
  '\th=From:To:Subject:Date:Message-ID; t=1700172798; x=1700777598;',
  '\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=Zm9v',
  'X-Spam-Status: No, score=-0.1 required=5.0',
  'From: Alice <alice@bank.example>',
  'To: bob@example.org',
  'Subject: statement',
  'Date: Thu, 16 Nov 2023 22:13:17 +0000',
  'Message-ID: <1700172797.1@example.net>',
  '',
  'hello',
  '',
].join('\r\n');

function capture(): Buffer {
  const w = new PcapWriter();
  const c = new TcpConn(w, ip4(CLIENT), ip4(SERVER), 40000);
  c.handshake();
  const say = (client: string, server: string): void => {
    c.c(Buffer.from(client, 'latin1'));
    c.s(Buffer.from(server, 'latin1'));
  };
  c.s(Buffer.from('220 mx.example.org ESMTP\r\n'));
  say('EHLO mail.example.net\r\n', '250 mx.example.org\r\n');
  say('MAIL FROM:<alice@example.net>\r\n', '250 ok\r\n');
  say('RCPT TO:<bob@example.org>\r\n', '250 ok\r\n');
  say('DATA\r\n', '354 go ahead\r\n');
  say(`${HEADER_FACTS_MESSAGE}.\r\n`, '250 queued as 4F1B2C3D4E\r\n');
  say('QUIT\r\n', '221 bye\r\n');
  c.close();
  w.flush();
  return Buffer.concat(w.take());
}

test('mailtap read: auth_results, dkim, arc_chain, received_hops, headers, header_names and path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-header-facts-'));
  try {
    const pcap = join(dir, 'header-facts.pcap');
    writeFileSync(pcap, capture());
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
