// The recognizer's verdict and start flags do not depend on how each side's bytes are split, and
// it keeps nothing it borrowed: a side's first segment is judged in place (no window made when it
// decides), so bytes scribbled over after each feed must change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SmtpRecognizer } from '../../../src/smtp/recognize.js';
import type { Direction } from '../../../src/flow/types.js';

const PIECES = [
  '220 mx.example ESMTP\r\n', '220-mx\r\n', '250 ok\r\n', 'EHLO a.example\r\n', 'HELO a\r\n', 'MAIL FROM:<a@b>\r\n',
  'QUIT\r\n', 'hello there\r\n', 'GET / HTTP/1.1\r\n', 'HTTP/1.1 200 OK\r\n', 'CONNECT mx:25 HTTP/1.1\r\n', 'HTTP/1.0 200 Connection established\r\n',
  '\r\n', 'x'.repeat(300), '\u0000\u0001', '\u0016\u0003\u0001\u0000\u0005\u0001', '\u0017\u0003\u0003\u0000\u0010', 'DATA\r\n', '354 go\r\n',
];

const step = fc.record({ dir: fc.constantFrom<Direction>('c2s', 's2c'), text: fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 }).map((a) => a.join('')) });

function run(steps: { dir: Direction; text: string }[], onPort: boolean, smtps: boolean, chunk: number, scribble: boolean): [string, number] {
  const r = new SmtpRecognizer(onPort, smtps);
  for (const s of steps) {
    const bytes = Buffer.from(s.text, 'latin1');
    for (let i = 0; i < bytes.length; i += chunk) {
      const part = Buffer.from(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
      r.feed(s.dir, part);
      if (scribble) part.fill(0x00);
    }
  }
  return [r.state, r.startFlags];
}

test('recognition: same verdict and start flags for any split, and nothing borrowed is kept', () => {
  fc.assert(
    fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 40 }), (steps, onPort, smtps, chunk) => {
      const whole = run(steps, onPort, smtps, 1 << 20, false);
      assert.deepEqual(run(steps, onPort, smtps, 1 << 20, true), whole, 'scribbled after each feed');
      assert.deepEqual(run(steps, onPort, smtps, chunk, true), whole, `chunks of ${chunk}`);
    }),
    { numRuns: 800 },
  );
});
