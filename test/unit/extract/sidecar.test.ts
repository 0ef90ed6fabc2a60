// buildSightings: one line per extracted file (message first, then attachments in order), the
// hash taken from the stored path, sender-chosen text kept verbatim as JSON data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSightings } from '../../../src/extract/sidecar.js';
import type { FlowOpenInfo } from '../../../src/flow/types.js';
import type { TransactionFacts } from '../../../src/smtp/types.js';

const H1 = 'a'.repeat(64);
const H2 = 'b'.repeat(64);
const H3 = 'c'.repeat(64);

const INFO: FlowOpenInfo = {
  flow: 7,
  uid: 'Cxyz',
  communityId: '1:AAAA',
  client: { ip: '2001:db8::1', port: 40000 },
  server: { ip: '2001:db8::2', port: 587 },
  vlan: [10],
  midstream: false,
};

function facts(over: Partial<TransactionFacts>): TransactionFacts {
  return {
    tsMicros: 1_000_000_123_456,
    trans_depth: 2,
    tls: false,
    mail_from: '',
    rcpt_to: ['x@example.com'],
    rcpt_rejected: [],
    status: 'aborted',
    data_bytes: 99,
    bdat: true,
    gap_bytes: 0,
    anomalies: [],
    ...over,
  };
}

test('no message or nothing extracted: no sighting', () => {
  assert.deepEqual(buildSightings(INFO, facts({})), []);
  const t = facts({ message: { headers_bytes: 0, header_count: 0, parts: 1, attachments: [{ content_type: 'a/b', size: 1 }] } });
  assert.deepEqual(buildSightings(INFO, t), []);
});

test('message first, then attachments; filename and subject stay data', () => {
  const evil = '../../\0/etc/passwd\n"quoted"';
  const t = facts({
    message: {
      headers_bytes: 10,
      header_count: 1,
      parts: 3,
      subject: 'Re: "hi"\u2028',
      message_id: 'id@host',
      extracted: `/d/aa/${H1}`,
      attachments: [
        { content_type: 'application/zip', size: 5, filename: evil, extracted: `/d/bb/${H2}` },
        { content_type: 'text/plain', size: 3 },
        { content_type: 'image/png', size: 4, extracted: `/d/cc/${H3}` },
      ],
    },
  });
  const s = buildSightings(INFO, t);
  assert.deepEqual(s.map((x) => x.sha256), [H1, H2, H3]);
  for (const x of s) {
    const text = x.line.toString('utf8');
    assert.ok(text.endsWith('\n'));
    assert.equal(text.indexOf('\n'), text.length - 1, 'one line');
  }
  const [m, a, b] = s.map((x) => JSON.parse(x.line.toString('utf8')) as Record<string, unknown>);
  assert.equal(m!.kind, 'message');
  assert.equal(m!.size, 99);
  assert.equal(m!.filename, undefined);
  assert.equal(m!.ts, '1970-01-12T13:46:40.123456Z');
  assert.equal(m!.mail_from, '');
  assert.equal(m!.subject, 'Re: "hi"\u2028');
  assert.equal(m!.message_id, 'id@host');
  assert.equal(m!.src_ip, '2001:db8::1');
  assert.equal(m!.dst_port, 587);
  assert.equal(m!.trans_depth, 2);
  assert.equal(m!.status, 'aborted');
  assert.equal(a!.filename, evil);
  assert.equal(a!.content_type, 'application/zip');
  assert.equal(a!.size, 5);
  assert.equal(b!.filename, undefined);
  assert.equal(b!.uid, 'Cxyz');
  assert.equal(b!.community_id, '1:AAAA');
});

test('a path whose last component is not a hash gives no sighting', () => {
  const t = facts({ message: { headers_bytes: 0, header_count: 0, parts: 1, extracted: '/d/../../etc/passwd', attachments: [{ content_type: 'a/b', size: 1, extracted: `/d/${H1}.json` }] } });
  assert.deepEqual(buildSightings(INFO, t), []);
});
