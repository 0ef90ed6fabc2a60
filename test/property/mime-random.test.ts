// Property: random bytes, and real messages with random damage, never throw and always end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { fixture } from '../helpers/paths.js';
import { makeMessageParserFactory } from '../../src/mime/index.js';
import { ALL_HASHES, limits, parse } from '../unit/mime/helpers.js';

const RUNS = Number(process.env.MAILTAP_FC_RUNS ?? 200);
const seed = readFileSync(fixture('mime', 'structure.eml'));

/** Bytes biased towards MIME syntax so the parser's branches are reached. */
const mimeish = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
      fc.constantFrom('\r\n', '\n', '--abc', '--abc--', 'Content-Type: multipart/mixed; boundary=abc', 'Content-Transfer-Encoding: base64',
        'Content-Transfer-Encoding: quoted-printable', 'Content-Type: message/rfc822', '=?utf-8?B?', '?=', '=ZZ', '=\r\n', ': ', '\t',
        'filename*0*=utf-8\'\'%E6', '"', '<', '(', 'http://x.example/').map((s) => Buffer.from(s, 'latin1')),
    ),
    { maxLength: 200 },
  )
  .map((parts) => Buffer.concat(parts));

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: 1, max: 64 }), (a, gap) => {
      const b = Buffer.from(a);
      assert.doesNotThrow(() => parse(b));
      assert.doesNotThrow(() => parse(b, { splits: [Math.floor(b.length / 2)], limits: { line_length: 64 + gap } }));
    }),
    { numRuns: RUNS },
  );
});

test('MIME-shaped garbage never throws, with tight limits too', () => {
  fc.assert(
    fc.property(mimeish, (b) => {
      assert.doesNotThrow(() => parse(b));
      assert.doesNotThrow(() => parse(b, { limits: { mime_depth: 2, mime_parts: 3, header_bytes: 1024, line_length: 64, boundary_length: 4, urls_per_message: 1 } }));
    }),
    { numRuns: RUNS },
  );
});

test('a real message with random bytes overwritten never throws', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: seed.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 30 }), (edits) => {
      const b = Buffer.from(seed);
      for (const [at, v] of edits) b[at] = v;
      const r = parse(b);
      assert.ok(r.message.parts >= 1);
    }),
    { numRuns: RUNS },
  );
});

test('gaps anywhere in a real message never throw, and touched attachments say so', () => {
  const factory = makeMessageParserFactory({ limits: limits(), hashes: ALL_HASHES });
  fc.assert(
    fc.property(fc.nat({ max: seed.length - 1 }), fc.integer({ min: 1, max: 400 }), (at, len) => {
      const p = factory({ mailFrom: undefined, srcIp: '192.0.2.1' });
      p.write(seed.subarray(0, at));
      p.gap(len);
      p.write(seed.subarray(Math.min(seed.length, at + len)));
      const r = p.end();
      assert.ok(r.anomalies.includes('mime_gap'));
      for (const a of r.message.attachments) assert.ok(a.missing_bytes === undefined || a.missing_bytes === len);
    }),
    { numRuns: RUNS },
  );
});
