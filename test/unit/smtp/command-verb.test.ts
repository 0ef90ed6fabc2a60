import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { commandVerb, parseCommand } from '../../../src/smtp/command.js';
import type { Verb } from '../../../src/smtp/command.js';

// Issue 12 item 6: the verb is recognised from the line's bytes (four bytes folded to upper case,
// compared as one number), with no string made. It must read every first word exactly as the verb
// table of RFC 5321 §4.1 read in any letter case (latin1 upper-casing, the old reading) does.
const VERBS: readonly Verb[] = ['HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'QUIT', 'NOOP', 'VRFY', 'EXPN', 'HELP', 'AUTH', 'STARTTLS', 'ETRN', 'XCLIENT'];

function byTable(line: Buffer): Verb {
  let end = 0;
  while (end < line.length && line[end] !== 0x20 && line[end] !== 0x09) end++;
  const word = line.toString('latin1', 0, end).toUpperCase();
  return (VERBS as readonly string[]).includes(word) ? (word as Verb) : 'other';
}

test('every verb in every letter case, with and without an argument', () => {
  for (const v of VERBS) {
    const forms = [v, v.toLowerCase(), v[0]!.toLowerCase() + v.slice(1), v.slice(0, -1) + v.at(-1)!.toLowerCase()];
    for (const f of forms) {
      for (const line of [f, `${f} x`, `${f}\tx`, `${f}  a b`]) {
        assert.equal(commandVerb(Buffer.from(line, 'latin1')), v, line);
        assert.equal(parseCommand(Buffer.from(line, 'latin1')).verb, v, line);
      }
    }
  }
});

test('near misses are other: one byte off, a byte that folds like a letter but is not one, longer or shorter words', () => {
  const misses = ['HEL', 'HELOO', 'HELO:', 'H\u00c5LO', '\u00e8HLO', 'MAIL\u00a0FROM', 'STARTTL', 'STARTTLSX', 'XCLIENTS', 'XCLIEN', 'DAT@', 'D@TA', 'R\u00d3SET', '', ' HELO', '\u00dfTARTTLS', 'QU\u0049\u0130'];
  for (const m of misses) {
    const b = Buffer.from(m, 'latin1');
    assert.equal(commandVerb(b), byTable(b), JSON.stringify(m));
  }
  // Bytes that differ from a letter only in bit 5 (0x20) but are not letters: '@' vs '`', '[' vs '{'.
  assert.equal(commandVerb(Buffer.from('`ELO')), 'other');
  assert.equal(commandVerb(Buffer.from('HEL\x0f')), 'other');
});

test('property: the byte reading equals the table reading on any line', () => {
  const letters = fc.constantFrom(...'HELOMAIRCPTDBSQUNVYXGSTZhelomaircptdbsqunvyxgstz@`[{\u00df\u00ff\u00e9 \t:'.split(''));
  const word = fc.oneof(
    fc.constantFrom(...VERBS).map((v) => v),
    fc.array(letters, { maxLength: 10 }).map((a) => a.join('')),
  );
  fc.assert(
    fc.property(word, fc.array(letters, { maxLength: 6 }), fc.uint8Array({ maxLength: 6 }), (w, mid, tail) => {
      const line = Buffer.concat([Buffer.from(w + mid.join(''), 'latin1'), Buffer.from(tail)]);
      assert.equal(commandVerb(line), byTable(line));
      assert.equal(parseCommand(line).verb, byTable(line));
    }),
    { numRuns: 3000 },
  );
});
