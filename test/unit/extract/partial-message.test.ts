// Issue 13 item 11: a message picked up in the middle of DATA (its start never captured) is parsed
// for what can still be found, but never stored as a whole message by extract.messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { limitsSchema } from '../../../src/config/schema.js';
import { Extractor } from '../../../src/extract/extractor.js';
import { TMP_DIR } from '../../../src/extract/store.js';
import { makeMessageParserFactory } from '../../../src/mime/index.js';

test('extract.messages stores a whole message, never one whose start is missing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-partial-'));
  try {
    const ex = new Extractor({ directory: dir, attachments: false, messages: true, maxFileBytes: 1 << 20, maxTotalBytes: 1 << 24 }, { file: () => undefined, bytes: () => undefined }, true);
    const factory = ex.wrapFactory(makeMessageParserFactory({ limits: limitsSchema.parse({}), hashes: ['sha256'] }));
    const msg = Buffer.from('Subject: s\r\n\r\nbody\r\n');
    const tail = factory({ mailFrom: undefined, srcIp: '192.0.2.1', startMissing: true });
    tail.write(msg);
    assert.equal(tail.end().message.extracted, undefined);
    assert.deepEqual(readdirSync(dir).filter((d) => d !== TMP_DIR), []);
    const whole = factory({ mailFrom: undefined, srcIp: '192.0.2.1' });
    whole.write(msg);
    assert.equal(typeof whole.end().message.extracted, 'string');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
