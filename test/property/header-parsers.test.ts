// Properties of the issue 16 header parsers on attacker-written values: they never throw, they
// return only the schema's shapes (strings, IPs normalised), and the work stays linear (a value
// built from the parsers' own delimiters, repeated, ends quickly: a quadratic walk of 64 KiB
// would take minutes; a linear one takes milliseconds, 5 s is the bound on a loaded machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseAuthResults } from '../../src/mime/auth-results.js';
import { parseDkimSignature } from '../../src/mime/dkim-signature.js';
import { normaliseIp } from '../../src/mime/ip-literal.js';
import { parseReceived } from '../../src/mime/received-hop.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

/** Values made of the pieces the parsers react to, so that random strings reach every branch. */
const PIECES = [
  'from ', 'by ', 'with ', 'id ', 'for ', 'via ', ';', '=', '.', '(', ')', '[', ']', '<', '>', '"', '\\', ' ', '\t',
  '[192.0.2.1]', '[IPv6:2001:db8::1]', '10.000.0.1', '::1', 'helo=', 'HELO ', '@', 'x', 'spf', 'pass', 'header.d',
  'reason', 'none', '1', '/1', 'Mon, 1 Feb 2021 10:00:00 +0000', 'd', 's', 'h', 'i', 't', 'a', '=4', '=41',
];
const value = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((p) => p.join(''));

function allStrings(o: Record<string, unknown>): boolean {
  return Object.values(o).every((v) => typeof v === 'string');
}

test('parseReceived: never throws; every field a string; from_ip a normalised address', () => {
  fc.assert(
    fc.property(fc.oneof(value, fc.string({ maxLength: 200 })), (v) => {
      const hop = parseReceived(v);
      assert.ok(allStrings(hop as Record<string, unknown>));
      if (hop.from_ip !== undefined) assert.equal(normaliseIp(hop.from_ip), hop.from_ip);
      if (hop.time !== undefined) assert.ok(!Number.isNaN(Date.parse(hop.time)));
    }),
    { numRuns: RUNS },
  );
});

test('parseAuthResults: never throws; methods and results non-empty lower-case strings, props strings', () => {
  fc.assert(
    fc.property(fc.oneof(value, fc.string({ maxLength: 200 })), (v) => {
      const r = parseAuthResults(v);
      if (r === undefined) return;
      for (const res of r.results) {
        assert.ok(res.method.length > 0);
        assert.equal(res.method, res.method.toLowerCase());
        assert.equal(res.result, res.result.toLowerCase());
        assert.ok(allStrings(res.props));
      }
    }),
    { numRuns: RUNS },
  );
});

test('parseDkimSignature: never throws; only the seven tags, all strings', () => {
  fc.assert(
    fc.property(fc.oneof(value, fc.string({ maxLength: 200 })), (v) => {
      const d = parseDkimSignature(v);
      for (const k of Object.keys(d)) assert.ok(['d', 's', 'a', 'h', 'i', 't', 'x'].includes(k), k);
      assert.ok(allStrings(d as Record<string, unknown>));
    }),
    { numRuns: RUNS },
  );
});

test('a 64 KiB value (the default value cap) of any one piece repeated parses in bounded time', () => {
  for (const p of PIECES) {
    const v = p.repeat(Math.ceil(65536 / p.length)).slice(0, 65536);
    const t0 = process.hrtime.bigint();
    parseReceived(v);
    parseAuthResults(v);
    parseDkimSignature(v);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.ok(ms < 5000, `${JSON.stringify(p)}: ${ms.toFixed(0)} ms`);
  }
});
