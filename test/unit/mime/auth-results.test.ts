// Authentication-Results headers: the examples of RFC 8601 Appendix B and headers collected from
// public mailing-list archives (Gmail, Microsoft 365, Fastmail shapes), unfolded as the header
// walker delivers them, with the parse written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthResults } from '../../../src/mime/auth-results.js';
import type { AuthResultsRecord } from '../../../src/mime/types.js';

const CASES: Array<[string, string, AuthResultsRecord]> = [
  ['RFC 8601 B.2: nothing done', 'example.org 1; none', { authserv_id: 'example.org', results: [] }],
  [
    'RFC 8601 B.3: SPF',
    'example.com; spf=pass smtp.mailfrom=example.net',
    { authserv_id: 'example.com', results: [{ method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'example.net' } }] },
  ],
  [
    'RFC 8601 B.4: SMTP AUTH with a comment, then SPF (folded)',
    'example.com;          auth=pass (cram-md5) smtp.auth=sender@example.net;          spf=pass smtp.mailfrom=example.net',
    {
      authserv_id: 'example.com',
      results: [
        { method: 'auth', result: 'pass', props: { 'smtp.auth': 'sender@example.net' } },
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'example.net' } },
      ],
    },
  ],
  [
    'RFC 8601 B.5: iprev with a policy property',
    'example.com;          iprev=pass policy.iprev=192.0.2.200',
    { authserv_id: 'example.com', results: [{ method: 'iprev', result: 'pass', props: { 'policy.iprev': '192.0.2.200' } }] },
  ],
  [
    'RFC 8601 B.6: two DKIM results, header.b values',
    'mail-router.example.net;          dkim=pass (good signature) header.d=newyork.example.com                header.b=oINEO8hg;          dkim=fail (bad signature) header.d=mail-router.example.net                header.b=EToRSuvU',
    {
      authserv_id: 'mail-router.example.net',
      results: [
        { method: 'dkim', result: 'pass', props: { 'header.d': 'newyork.example.com', 'header.b': 'oINEO8hg' } },
        { method: 'dkim', result: 'fail', props: { 'header.d': 'mail-router.example.net', 'header.b': 'EToRSuvU' } },
      ],
    },
  ],
  [
    'RFC 8601 §2.2: a version number after the authserv-id, a method version, a reason',
    'example.net 1; dkim/1=fail reason="signature expired" header.d=example.com',
    { authserv_id: 'example.net', results: [{ method: 'dkim', result: 'fail', reason: 'signature expired', props: { 'header.d': 'example.com' } }] },
  ],
  [
    'Gmail: header.i with an empty local-part, comments with ":" and "(...)" policies',
    'mx.google.com;       dkim=pass header.i=@oracle.com header.s=corp-2018-07-02 header.b=lhk5qU4z;       spf=pass (google.com: domain of daniel.m.jordan@oracle.com designates 156.151.31.86 as permitted sender) smtp.mailfrom=daniel.m.jordan@oracle.com;       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=oracle.com',
    {
      authserv_id: 'mx.google.com',
      results: [
        { method: 'dkim', result: 'pass', props: { 'header.i': '@oracle.com', 'header.s': 'corp-2018-07-02', 'header.b': 'lhk5qU4z' } },
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'daniel.m.jordan@oracle.com' } },
        { method: 'dmarc', result: 'pass', props: { 'header.from': 'oracle.com' } },
      ],
    },
  ],
  [
    'Gmail: softfail and a DMARC failure',
    'mx.google.com;       dkim=pass header.i=@pex-com.20150623.gappssmtp.com header.s=20150623 header.b=zwziYVWi;       spf=softfail (google.com: domain of transitioning stepan@pex.com does not designate 209.85.220.65 as permitted sender) smtp.mailfrom=stepan@pex.com;       dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=pex.com',
    {
      authserv_id: 'mx.google.com',
      results: [
        { method: 'dkim', result: 'pass', props: { 'header.i': '@pex-com.20150623.gappssmtp.com', 'header.s': '20150623', 'header.b': 'zwziYVWi' } },
        { method: 'spf', result: 'softfail', props: { 'smtp.mailfrom': 'stepan@pex.com' } },
        { method: 'dmarc', result: 'fail', props: { 'header.from': 'pex.com' } },
      ],
    },
  ],
  [
    'Gmail: a quoted smtp.mailfrom holding "=" (BATV)',
    'mx.google.com;       spf=pass (google.com: domain of prvs=1078cbd532=songliubraving@fb.com designates 67.231.145.42 as permitted sender) smtp.mailfrom="prvs=1078cbd532=songliubraving@fb.com";       dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=fb.com',
    {
      authserv_id: 'mx.google.com',
      results: [
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': 'prvs=1078cbd532=songliubraving@fb.com' } },
        { method: 'dmarc', result: 'pass', props: { 'header.from': 'fb.com' } },
      ],
    },
  ],
  [
    'Microsoft 365: no authserv-id, action=, compauth with reason=',
    'spf=pass (sender IP is 150.60.232.67) smtp.mailfrom=720901.com; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=720901.com;compauth=pass reason=109',
    {
      results: [
        { method: 'spf', result: 'pass', props: { 'smtp.mailfrom': '720901.com' } },
        { method: 'dkim', result: 'none', props: { 'header.d': 'none' } },
        { method: 'dmarc', result: 'bestguesspass', props: { action: 'none', 'header.from': '720901.com' } },
        { method: 'compauth', result: 'pass', reason: '109', props: {} },
      ],
    },
  ],
  [
    'Microsoft 365 relaying for a list: stray authserv-ids between results are skipped',
    'spf=softfail (sender IP is 165.204.84.17) smtp.mailfrom=amd.com; lists.freedesktop.org; dkim=none (message not signed) header.d=none;lists.freedesktop.org; dmarc=fail action=none header.from=amd.com;',
    {
      results: [
        { method: 'spf', result: 'softfail', props: { 'smtp.mailfrom': 'amd.com' } },
        { method: 'dkim', result: 'none', props: { 'header.d': 'none' } },
        { method: 'dmarc', result: 'fail', props: { action: 'none', 'header.from': 'amd.com' } },
      ],
    },
  ],
  [
    'Fastmail-style: base64 with "=" padding, x- properties, upper-case keywords',
    'mx4.messagingengine.com;    DKIM=PASS (2048-bit rsa key sha256) header.d=example.com header.b=AbC+/d== header.a=rsa-sha256 x-bits=2048;    ARC=none (no signatures found);    x-me-sender=none',
    {
      authserv_id: 'mx4.messagingengine.com',
      results: [
        { method: 'dkim', result: 'pass', props: { 'header.d': 'example.com', 'header.b': 'AbC+/d==', 'header.a': 'rsa-sha256', 'x-bits': '2048' } },
        { method: 'arc', result: 'none', props: {} },
        { method: 'x-me-sender', result: 'none', props: {} },
      ],
    },
  ],
  [
    'a quoted authserv-id, CFWS around "=", a quoted local-part kept as written',
    '"mx.example.org" ; spf = fail ( no ) smtp.mailfrom = "a b"@example.com',
    { authserv_id: 'mx.example.org', results: [{ method: 'spf', result: 'fail', props: { 'smtp.mailfrom': '"a b"@example.com' } }] },
  ],
];

for (const [name, value, expected] of CASES) {
  test(`Authentication-Results: ${name}`, () => {
    assert.deepEqual(parseAuthResults(value), expected);
  });
}

test('an empty value gives nothing; garbage gives an id and no results', () => {
  assert.equal(parseAuthResults(''), undefined);
  assert.equal(parseAuthResults('   (only a comment)  '), undefined);
  assert.deepEqual(parseAuthResults('junk'), { authserv_id: 'junk', results: [] });
  assert.deepEqual(parseAuthResults(';;;=;=x;'), { results: [] });
});

test('__proto__ as a property name is data, and hostile shapes end quickly', () => {
  const r = parseAuthResults('x; spf=pass __proto__=polluted smtp.mailfrom=a')!;
  assert.deepEqual(Object.keys(r.results[0]!.props), ['__proto__', 'smtp.mailfrom']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  const t0 = process.hrtime.bigint();
  parseAuthResults(`x; spf=pass ${'('.repeat(100_000)}`);
  parseAuthResults(`x; ${'a=b '.repeat(20_000)}`);
  parseAuthResults(`x; spf="${'\\'.repeat(100_001)}`);
  assert.ok(process.hrtime.bigint() - t0 < 1_000_000_000n);
});
