// The header facts of issue 16 through the whole MIME engine: auth_results, dkim, arc_chain,
// received_hops, headers (output.headers) and header_names (limits.header_names), parsed from the
// top-level block only, capped like every other kept value, and the same whatever the chunking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crlf, parse, parseChunked } from './helpers.js';

const MESSAGE = crlf(`ARC-Seal: i=2; a=rsa-sha256; cv=pass; d=example.org; s=arc; t=1700000000; b=AAAA
ARC-Message-Signature: i=2; a=rsa-sha256; d=example.org; s=arc; h=From; bh=x; b=y
ARC-Authentication-Results: i=2; mx.example.org; spf=pass smtp.mailfrom=example.net
ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.net; s=arc; t=1699999999; b=BBBB
Authentication-Results: mx.example.org;
\tdkim=pass header.i=@example.net header.s=s1 header.b=AbCd;
\tspf=pass (mx.example.org: domain of a@example.net designates 198.51.100.7 as permitted sender) smtp.mailfrom=a@example.net;
\tdmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=example.com
Received: from mail.example.net (mail.example.net [198.51.100.7])
\tby mx.example.org (Postfix) with ESMTPS id 4F1B2C
\tfor <b@example.org>; Mon,  1 Feb 2021 10:00:00 +0000 (UTC)
Received: from [10.1.2.3] (helo=laptop) by mail.example.net with esmtpsa (Exim 4.94) id 1lXyZa-0001Ab-Cd; Mon, 1 Feb 2021 09:59:58 +0000
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=s1;
\th=From:To:Subject:Date; t=1612173598; x=1612778398; bh=x; b=AbCd
X-Spam-Status: No, score=-0.1
x-spam-status: second
From: a@example.com
Subject: hi
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: message/rfc822

Received: from inner.example ([203.0.113.99]) by inner
Authentication-Results: inner.example; spf=fail smtp.mailfrom=x
DKIM-Signature: d=inner.example; s=i
ARC-Seal: i=1; d=inner.example
X-Spam-Status: inner
Subject: inner

inner body
--b--
`);

const EXPECTED = {
  received_hops: [
    { from_host: 'mail.example.net', from_ip: '198.51.100.7', by_host: 'mx.example.org', with: 'ESMTPS', id: '4F1B2C', for: 'b@example.org', time: '2021-02-01T10:00:00.000Z' },
    { from_host: 'laptop', from_ip: '10.1.2.3', by_host: 'mail.example.net', with: 'esmtpsa', id: '1lXyZa-0001Ab-Cd', time: '2021-02-01T09:59:58.000Z' },
  ],
  auth_results: [
    {
      authserv_id: 'mx.example.org',
      results: [
        { method: 'dkim', result: 'pass', props: { 'header.i': '@example.net', 'header.s': 's1', 'header.b': 'AbCd' } },
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'a@example.net' } },
        { method: 'dmarc', result: 'fail', props: { 'header.from': 'example.com' } },
      ],
    },
  ],
  dkim: [{ d: 'example.net', s: 's1', a: 'rsa-sha256', h: 'From:To:Subject:Date', t: '1612173598', x: '1612778398' }],
  arc_chain: 2,
  headers: { 'x-spam-status': ['No, score=-0.1', 'second'] },
  header_names: [
    'ARC-Seal', 'ARC-Message-Signature', 'ARC-Authentication-Results', 'ARC-Seal', 'Authentication-Results', 'Received',
    'Received', 'DKIM-Signature', 'X-Spam-Status', 'x-spam-status', 'From', 'Subject', 'Content-Type',
  ],
};

function facts(m: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['received_hops', 'auth_results', 'dkim', 'arc_chain', 'headers', 'header_names']) if (k in m) out[k] = m[k];
  return out;
}

test('top-level facts only: the encapsulated message\'s headers add nothing', () => {
  const r = parse(MESSAGE, { headers: ['X-Spam-Status'], srcIp: '192.0.2.9', dstIp: '192.0.2.25' });
  const m = r.message as unknown as Record<string, unknown>;
  assert.deepEqual(facts(m), EXPECTED);
  assert.deepEqual(r.message.path, ['192.0.2.25', '192.0.2.9', '198.51.100.7', '10.1.2.3']);
  assert.equal(r.message.header_count, 13);
  assert.deepEqual(r.anomalies, []);
});

test('the same facts whatever the chunking (every split of the header block, and 1-byte chunks)', () => {
  const end = MESSAGE.indexOf('\r\n\r\n') + 4;
  for (let at = 1; at < end; at += 7) {
    const r = parse(MESSAGE, { headers: ['x-spam-status'], splits: [at] });
    assert.deepEqual(facts(r.message as unknown as Record<string, unknown>), EXPECTED, `split at ${at}`);
  }
  const r = parseChunked(MESSAGE, 1, { headers: ['X-SPAM-STATUS'] });
  assert.deepEqual(facts(r.message as unknown as Record<string, unknown>), EXPECTED);
});

test('no such headers: the fields are absent, path is server then client', () => {
  const r = parse(crlf('Subject: plain\n\nbody\n'), { srcIp: '192.0.2.9', dstIp: '192.0.2.25' });
  const m = r.message as unknown as Record<string, unknown>;
  for (const k of ['received', 'received_hops', 'auth_results', 'dkim', 'arc_chain', 'headers']) assert.ok(!(k in m), k);
  assert.deepEqual(r.message.header_names, ['Subject']);
  assert.deepEqual(r.message.path, ['192.0.2.25', '192.0.2.9']);
  // output.headers names a field the message does not have: no `headers` object.
  assert.ok(!('headers' in parse(crlf('Subject: plain\n\nbody\n'), { headers: ['list-id'] }).message));
});

test('limits.header_names: at the limit every name is listed; one past it is cut and flagged once', () => {
  const block = (n: number): Buffer => crlf(`${Array.from({ length: n }, (_, i) => `X-H${i}: v`).join('\n')}\n\nbody\n`);
  const at = parse(block(5), { limits: { header_names: 5 } });
  assert.equal(at.message.header_names?.length, 5);
  assert.deepEqual(at.anomalies, []);
  const past = parse(block(7), { limits: { header_names: 5 } });
  assert.deepEqual(past.message.header_names, ['X-H0', 'X-H1', 'X-H2', 'X-H3', 'X-H4']);
  assert.equal(past.message.header_count, 7, 'header_count still counts every field');
  assert.deepEqual(past.anomalies, ['mime_header_names_exceeded']);
});

test('kept values are capped by limits.header_value_bytes and parsed as capped', () => {
  const long = 'x'.repeat(200);
  const msg = crlf(`X-Long: ${long}\nReceived: from a ([192.0.2.1]) by b ${'(c) '.repeat(40)}; Mon, 1 Feb 2021 10:00:00 +0000\n\nbody\n`);
  const r = parse(msg, { headers: ['x-long'], limits: { header_value_bytes: 64 } });
  assert.deepEqual(r.message.headers, { 'x-long': ['x'.repeat(64)] });
  assert.deepEqual(r.message.received_hops, [{ from_host: 'a', from_ip: '192.0.2.1', by_host: 'b' }], 'the date was cut off');
  assert.deepEqual(r.anomalies, ['mime_header_too_long']);
});

test('past limits.header_bytes no more repeating values (Received) are kept; the block goes on (issue 15 item 9)', () => {
  // header_bytes charges only the values of fields kept at every occurrence: a flood of Received
  // headers stops being kept, while the fields after it (X-Late, names) are still parsed.
  const filler = Array.from({ length: 40 }, (_, i) => `Received: from h${i} ([192.0.2.${i}]) by b${'y'.repeat(20)}`).join('\n');
  const msg = crlf(`${filler}\nReceived: from late ([192.0.2.99]) by b\nX-Late: 1\n\nbody\n`);
  const r = parse(msg, { headers: ['x-late'], limits: { header_bytes: 1024 } });
  const hops = r.message.received_hops ?? [];
  assert.ok(hops.length > 0 && hops.length < 40, `kept ${hops.length} hops within the budget`);
  assert.ok(!hops.some((h) => h.from_ip === '192.0.2.99'), 'the hop past the budget is not kept');
  assert.deepEqual(r.message.headers, { 'x-late': ['1'] }, 'the block goes on after the budget');
  assert.equal(r.message.header_names?.length, 42);
  assert.equal(r.message.header_count, 42);
});
