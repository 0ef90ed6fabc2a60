// Property: however a message is split into chunks, the MIME engine reports the same thing (SPEC §7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fixture } from '../helpers/paths.js';
import { parse } from '../unit/mime/helpers.js';

const RUNS = Number(process.env.MAILTAP_FC_RUNS ?? 40);

function samples(): [string, Buffer][] {
  const dir = fixture('mime');
  const out: [string, Buffer][] = readdirSync(dir).filter((n) => n.endsWith('.eml')).map((n) => [n, readFileSync(join(dir, n))]);
  out.push(['seed', readFileSync(fixture('seed', 'message.eml'))]);
  for (const n of ['zeek-testing-btest-traces-smtp-1.eml', 'suricata-verify-tests-smtp-rfc2231-input-1.eml', 'suricata-verify-tests-mime-mime-quoted-printable-input-1.eml']) {
    out.push([n, readFileSync(fixture('mime', 'corpus', n))]);
  }
  return out;
}

for (const [name, bytes] of samples()) {
  test(`any split gives the same result: ${name}`, () => {
    const whole = JSON.stringify(parse(bytes));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        const splits = [...cuts].sort((a, b) => a - b);
        assert.equal(JSON.stringify(parse(bytes, { splits })), whole);
      }),
      { numRuns: RUNS },
    );
  });
}
