// Messages built by ../shared/tools/gen-smtp-pcap.py (test/fixtures/mime/generated, made with
// test/bench/make-mime-messages.py) against the generator's own ground truth: subject (RFC 2047
// in utf-8 and gb2312), message-id, and every attachment's filename (RFC 2231 and Outlook
// styles), content type, size and sha256, fed in 1460-byte segments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../../helpers/paths.js';
import { parseChunked } from './helpers.js';

interface Truth {
  file: string;
  subject: string;
  message_id: string;
  attachments: { filename: string; content_type: string; size: number; sha256: string }[];
}

const truths = readFileSync(fixture('mime', 'generated', 'truth.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Truth);

test('the generated set is there', () => {
  assert.ok(truths.length >= 20);
});

for (const t of truths) {
  test(`generator ground truth: ${t.file}`, () => {
    const r = parseChunked(readFileSync(fixture('mime', 'generated', t.file)), 1460);
    assert.equal(r.message.subject, t.subject);
    assert.equal(r.message.message_id, t.message_id);
    assert.deepEqual(
      r.message.attachments.map((a) => ({ filename: a.filename, content_type: a.content_type, size: a.size, sha256: a.sha256 })),
      t.attachments,
    );
    assert.deepEqual(r.anomalies, []);
  });
}
