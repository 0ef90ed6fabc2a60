// The table of header names recognised from bytes (header-names.ts) must answer only with the
// exact text of the bytes: a name it does not know, or one that differs in one byte or in case,
// is read the slow way by the header walker, never mistaken for a neighbour with the same key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { knownName } from '../../../src/mime/header-names.js';

const COMMON = ['Date', 'From', 'To', 'Cc', 'Subject', 'Message-ID', 'Message-Id', 'MIME-Version', 'Content-Type', 'Received', 'X-Mailer'];

function at(name: string, pad = 3): [Buffer, number, number] {
  // The name inside a line, as the walker sees it: bytes before and after it must not matter.
  const b = Buffer.from(`${'x'.repeat(pad)}${name}: value`, 'latin1');
  return [b, pad, pad + name.length];
}

test('common names come back as written and in lower case', () => {
  for (const n of COMMON) {
    const k = knownName(...at(n));
    assert.deepEqual(k, { written: n, lower: n.toLowerCase() }, n);
  }
});

test('a name that differs in one byte, in case or in length is never answered with another', () => {
  let checked = 0;
  for (const n of COMMON) {
    const variants = [n.toUpperCase(), n.toLowerCase(), `${n}s`, n.slice(0, -1), `X${n}`];
    for (let i = 1; i < n.length - 1; i++) variants.push(n.slice(0, i) + (n[i] === 'a' ? 'b' : 'a') + n.slice(i + 1));
    for (const v of variants) {
      const k = knownName(...at(v, 1));
      if (k !== undefined) assert.deepEqual(k, { written: v, lower: v.toLowerCase() }, v);
      checked++;
    }
  }
  assert.ok(checked > 100);
});

test('random printable names: any answer is exactly the bytes', () => {
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let t = 0; t < 20_000; t++) {
    const base = COMMON[rnd(COMMON.length)]!;
    const chars = [...base];
    const j = rnd(chars.length);
    chars[j] = String.fromCharCode(0x21 + rnd(0x5e)); // a printable byte other than space
    const v = chars.join('');
    const k = knownName(...at(v, rnd(4)));
    if (k !== undefined) assert.equal(k.written, v);
  }
  assert.equal(knownName(Buffer.from(''), 0, 0), undefined);
});
