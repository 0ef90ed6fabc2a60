// Properties of extraction: however a message is split across writes, and whatever filename a
// sender writes (any string, NUL and separators included), the directory holds only hash-named
// files whose contents hash to their names, and the same message gives the same files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { limitsSchema } from '../../src/config/schema.js';
import { Extractor } from '../../src/extract/extractor.js';
import { TMP_DIR } from '../../src/extract/store.js';
import { makeMessageParserFactory } from '../../src/mime/index.js';

const limits = limitsSchema.parse({});
const NO_COUNT = { file: (): void => undefined, bytes: (): void => undefined };

function message(filename: string, body: Buffer): Buffer {
  // RFC 2231 percent-encoding carries any byte of the name, NUL and '/' included.
  const enc = [...Buffer.from(filename, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  return Buffer.from(
    [
      'Subject: p',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename*=utf-8''${enc}`,
      '',
      body.toString('base64'),
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/** Files under dir, relative, after checking each is named by its own SHA-256. */
function stored(dir: string): string[] {
  const out: string[] = [];
  for (const top of readdirSync(dir)) {
    if (top === TMP_DIR) {
      assert.deepEqual(readdirSync(join(dir, top)), []);
      continue;
    }
    assert.match(top, /^[0-9a-f]{2}$/);
    for (const f of readdirSync(join(dir, top))) {
      assert.match(f, /^[0-9a-f]{64}$/);
      assert.equal(createHash('sha256').update(readFileSync(join(dir, top, f))).digest('hex'), f);
      out.push(`${top}/${f}`);
    }
  }
  return out.sort();
}

function extract(dir: string, msg: Buffer, cuts: number[]): string[] {
  const ex = new Extractor({ directory: dir, attachments: true, messages: true, maxFileBytes: 1 << 20, maxTotalBytes: 1 << 24 }, NO_COUNT, true);
  const p = ex.wrapFactory(makeMessageParserFactory({ limits, hashes: ['sha256'], bodyTap: ex.bodyTap! }))({ mailFrom: undefined, srcIp: '192.0.2.1' });
  let at = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    const end = Math.min(c, msg.length);
    if (end > at) p.write(msg.subarray(at, end));
    at = Math.max(at, end);
  }
  p.write(msg.subarray(at));
  const res = p.end();
  return [res.message.extracted ?? '', ...res.message.attachments.map((a) => a.extracted ?? '')].map((x) => x.slice(dir.length));
}

test('any filename, any split: only hash-named files, the same ones for every split', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(4000), { maxLength: 20 }), (name, body, cuts) => {
      const msg = message(name, Buffer.from(body));
      const a = mkdtempSync(join(tmpdir(), 'mailtap-prop-a-'));
      const b = mkdtempSync(join(tmpdir(), 'mailtap-prop-b-'));
      try {
        const pa = extract(a, msg, cuts);
        const pb = extract(b, msg, []);
        assert.deepEqual(pa, pb);
        assert.equal(pa.length, 2);
        assert.ok(pa.every((p) => p !== ''), 'message and attachment stored');
        assert.deepEqual(stored(a), stored(b));
      } finally {
        rmSync(a, { recursive: true, force: true });
        rmSync(b, { recursive: true, force: true });
      }
    }),
    { numRuns: 150 },
  );
});
