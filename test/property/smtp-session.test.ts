// Properties of the SMTP session engine (STYLE §3.9): chunking never changes the facts, and no
// byte sequence, gap or close makes it throw or grow past its limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineReader } from '../../src/smtp/line-reader.js';
import { runScript } from '../helpers/smtp-script.js';
import type { Chunker, Step } from '../helpers/smtp-script.js';
import { captureFiles, readFile, readStreams } from '../fuzz/targets/corpus-seeds.js';

const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

const clientPiece = fc.oneof(
  fc.constantFrom(
    'EHLO a\r\n', 'HELO b\r\n', 'MAIL FROM:<a@example.org> SIZE=10\r\n', 'MAIL FROM:<>\r\n', 'RCPT TO:<b@example.net>\r\n',
    'DATA\r\n', 'BDAT 5\r\n', 'BDAT 3 LAST\r\n', 'BDAT 0 LAST\r\n', 'BDAT -1\r\n', 'RSET\r\n', 'QUIT\r\n', 'NOOP\r\n',
    'AUTH LOGIN\r\n', 'AUTH PLAIN AHUAcA==\r\n', 'dXNlcg==\r\n', '*\r\n', 'STARTTLS\r\n', '.\r\n', '..x\r\n', 'text\n.\n',
    'line\r\n', '\r\n', 'a\rb', '\x16\x03\x01',
    // Lenient ends of data followed by commands (issue 15: the hold until a reply decides).
    'x\n.\r\nMAIL FROM:<e@example.com>\r\n', 'y\r.\r\nRCPT TO:<v@example.net>\r\n', 'z\r\n.\nDATA\r\n',
  ),
  fc.string({ maxLength: 30 }),
);
const serverPiece = fc.oneof(
  fc.constantFrom(
    '220 mx\r\n', '250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n', '250 ok\r\n', '354 go\r\n', '334 VXNlcm5hbWU6\r\n',
    '235 ok\r\n', '535 no\r\n', '550 no\r\n', '221 bye\r\n', '220 ready for TLS\r\n', '454 no TLS\r\n', 'junk\r\n', '250-',
  ),
  fc.string({ maxLength: 20 }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.array(clientPiece, { minLength: 1, maxLength: 4 }).map((p) => ({ c: p.join('') })) },
  { weight: 4, arbitrary: fc.array(serverPiece, { minLength: 1, maxLength: 3 }).map((p) => ({ s: p.join('') })) },
  { weight: 1, arbitrary: fc.record({ gap: fc.constantFrom('c2s' as const, 's2c' as const), len: fc.integer({ min: 1, max: 50 }) }) },
);
const script = fc.array(step, { minLength: 1, maxLength: 14 });

/** A chunker from fast-check cut sizes (cycled). */
function cutsChunker(cuts: number[]): Chunker {
  let k = 0;
  return (_i, bytes) => {
    const out: Buffer[] = [];
    let off = 0;
    while (off < bytes.length) {
      const n = cuts[k++ % cuts.length]!;
      out.push(bytes.subarray(off, off + n));
      off += n;
    }
    return out;
  };
}

test('property: any chunking gives the same facts', () => {
  fc.assert(
    fc.property(script, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 }), fc.boolean(), (steps, cuts, smtpPort) => {
      const opts = { serverPort: smtpPort ? 25 : 8025, limits: { line_length: 64, pending_commands: 8, recipients: 3, transactions: 3 } };
      assert.deepEqual(runScript(steps, opts, cutsChunker(cuts)), runScript(steps, opts));
    }),
    { numRuns: NUM_RUNS },
  );
});

test('property: random bytes, gaps and closes never throw; one session or one not-SMTP verdict', () => {
  const rawStep: fc.Arbitrary<Step> = fc.oneof(
    fc.uint8Array({ maxLength: 200, size: 'max' }).map((a) => ({ c: Buffer.from(a) })),
    fc.uint8Array({ maxLength: 200, size: 'max' }).map((a) => ({ s: Buffer.from(a) })),
    fc.record({ gap: fc.constantFrom('c2s' as const, 's2c' as const), len: fc.integer({ min: 1, max: 1e6 }) }),
    step,
  );
  fc.assert(
    fc.property(fc.array(rawStep, { maxLength: 12 }), fc.boolean(), fc.boolean(), (steps, smtpPort, midstream) => {
      const r = runScript(steps, { serverPort: smtpPort ? 587 : 9999, midstream, limits: { line_length: 64 } });
      assert.equal(r.sessions.length + r.notSmtp, 1);
      for (const t of r.transactions) assert.ok(t.rcpt_to.length <= 1000);
    }),
    { numRuns: NUM_RUNS },
  );
});

test('property: the line reader never holds more than the line limit plus one byte', () => {
  // size 'max': by default fast-check keeps arrays near 10 bytes, never past the 64-byte limit.
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300, size: 'max' }), { maxLength: 10 }), (chunks) => {
      const r = new LineReader(64);
      for (const c of chunks) {
        const b = Buffer.from(c);
        let off = 0;
        while (off < b.length) {
          off = r.read(b, off);
          if (r.line !== null) assert.ok(r.line.length <= 64);
          assert.ok(r.pending <= 65);
        }
      }
    }),
    { numRuns: NUM_RUNS },
  );
});

test('property: real corpus sessions with bytes overwritten never throw, and chunking never changes their facts', () => {
  const sessions = captureFiles()
    .flatMap((p) => readStreams(readFile(p)))
    .filter((s) => s.length > 4)
    .map((s): Step[] => s.map((x) => ('gap' in x ? { gap: x.dir, len: x.gap } : x.dir === 'c2s' ? { c: x.bytes } : { s: x.bytes })));
  assert.ok(sessions.length > 20);
  fc.assert(
    fc.property(
      fc.nat({ max: sessions.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 8 }),
      (pick, edits, cuts) => {
        const steps = sessions[pick]!.map((s): Step => ('c' in s ? { c: Buffer.from(s.c) } : 's' in s ? { s: Buffer.from(s.s) } : s));
        for (const [k, at, v] of edits) {
          const s = steps[k % steps.length]!;
          const b = 'c' in s ? s.c : 's' in s ? s.s : null;
          if (Buffer.isBuffer(b) && b.length > 0) b[at % b.length] = v;
        }
        const opts = { limits: { line_length: 256, pending_commands: 16 } };
        assert.deepEqual(runScript(steps, opts, cutsChunker(cuts)), runScript(steps, opts));
      },
    ),
    { numRuns: Math.max(1, NUM_RUNS >> 1) },
  );
});
