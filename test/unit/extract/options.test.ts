// extractOptionsOf / extractWorkerConfigOf: MiB to bytes, the directory made absolute, and one
// fresh shared counter per WorkerConfig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAbsolute } from 'node:path';
import { extractSchema } from '../../../src/config/schema.js';
import { extractOptionsOf, extractWorkerConfigOf } from '../../../src/extract/options.js';

test('defaults: off, attachments only, caps in bytes', () => {
  const cfg = extractSchema.parse({});
  assert.equal(cfg.enabled, false);
  const o = extractOptionsOf(cfg);
  assert.deepEqual(o, { directory: '/var/lib/mailtap/extract', attachments: true, messages: false, maxFileBytes: 25 * 1048576, maxTotalBytes: 10240 * 1048576 });
});

test('a relative directory is resolved once, at startup', () => {
  const o = extractOptionsOf(extractSchema.parse({ directory: 'spool/x', max_file_mb: 1, max_total_mb: 2 }));
  assert.ok(isAbsolute(o.directory));
  assert.ok(o.directory.endsWith('/spool/x'));
  assert.equal(o.maxFileBytes, 1048576);
  assert.equal(o.maxTotalBytes, 2097152);
});

test('the worker config carries the section and an 8-byte shared budget', () => {
  const cfg = extractSchema.parse({ enabled: true });
  const w = extractWorkerConfigOf(cfg);
  assert.equal(w.enabled, true);
  assert.ok(w.budget instanceof SharedArrayBuffer);
  assert.equal(w.budget.byteLength, 8);
  assert.notEqual(extractWorkerConfigOf(cfg).budget, w.budget);
});
