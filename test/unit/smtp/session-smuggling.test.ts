// Issue 15 item 4: pipelined SMTP smuggling against a lenient server. The server's replies are
// the arbiter of where the data ended; each script runs split at every byte offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';
import type { ScriptResult, Step } from '../../helpers/smtp-script.js';

const OPEN: Step[] = [
  { s: '220 mx\r\n' }, { c: 'EHLO a\r\n' }, { s: '250-mx\r\n250 PIPELINING\r\n' },
  { c: 'MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n' }, { s: '250 ok\r\n250 ok\r\n354 go\r\n' },
];
const SMUGGLED_ENVELOPE = 'MAIL FROM:<evil@example.com>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n';
const SMUGGLED_DATA = 'Subject: smuggled\r\n\r\nevil\r\n.\r\n';
const names = (r: ScriptResult): string[] => r.anomalies.map((a) => a.name);

function assertTwoMessages(r: ScriptResult, first: string, label: string): void {
  assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.rcpt_to, t.status, t.reply?.text]), [
    ['a@example.org', ['b@example.net'], 'accepted', 'queued 1'],
    ['evil@example.com', ['victim@example.net'], 'accepted', 'queued 2'],
  ], label);
  assert.deepEqual(r.messages.map((m) => m.bytes), [first, 'Subject: smuggled\r\n\r\nevil\r\n'], label);
  assert.equal(r.transactions[0]!.data_bytes, first.length, label);
  assert.ok(r.transactions[0]!.anomalies.includes('smtp_smuggling_end'), label);
  assert.ok(!names(r).includes('smtp_unmatched_reply'), label);
}

for (const [form, end] of [['LF.CRLF', '\n.\r\n'], ['LF.LF', '\n.\n'], ['CRLF.LF', '\r\n.\n'], ['CR.CR', '\r.\r\n']] as const) {
  test(`item 4, ${form}: the server's final reply inside DATA ends the message there; the rest is commands`, () => {
    const r = assertSplitInvariant([
      ...OPEN,
      { c: `Subject: one\r\n\r\nfirst${end}${SMUGGLED_ENVELOPE}` },
      { s: '250 queued 1\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
      { c: SMUGGLED_DATA }, { s: '250 queued 2\r\n' },
      { c: 'QUIT\r\n' }, { s: '221 bye\r\n' },
    ], {}, 3);
    const lineEnd = end.slice(0, end.indexOf('.'));
    assertTwoMessages(r, `Subject: one\r\n\r\nfirst${lineEnd}`, form);
  });
}

const FLIGHT = `Subject: one\r\n\r\nfirst\n.\r\n${SMUGGLED_ENVELOPE}${SMUGGLED_DATA}`;

test('item 4: the whole smuggling flight at once, a lenient server answers five times: two messages', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: FLIGHT },
    { s: '250 queued 1\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued 2\r\n' },
    { c: 'QUIT\r\n' }, { s: '221 bye\r\n' },
  ], {}, 3);
  assertTwoMessages(r, 'Subject: one\r\n\r\nfirst\n', 'flight');
  // With QUIT in the same flight the second reply (250) cannot answer QUIT: lenient again.
  const q = assertSplitInvariant([
    ...OPEN,
    { c: `${FLIGHT}QUIT\r\n` },
    { s: '250 queued 1\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued 2\r\n221 bye\r\n' },
  ], {}, 3);
  assertTwoMessages(q, 'Subject: one\r\n\r\nfirst\n', 'flight + QUIT');
});

test('item 4: the same flight against a strict server (one reply): one message holding it all', () => {
  for (const [label, steps] of [
    ['QUIT later', [{ c: FLIGHT }, { s: '250 queued 1\r\n' }, { c: 'QUIT\r\n' }, { s: '221 bye\r\n' }]],
    ['QUIT in the flight', [{ c: `${FLIGHT}QUIT\r\n` }, { s: '250 queued 1\r\n221 bye\r\n' }]],
    ['no more replies', [{ c: FLIGHT }, { s: '250 queued 1\r\n' }]],
  ] as [string, Step[]][]) {
    const r = assertSplitInvariant([...OPEN, ...steps], {}, 3);
    assert.deepEqual(r.transactions.map((t) => [t.mail_from, t.status, t.data_bytes]), [['a@example.org', 'accepted', FLIGHT.length - 5 + 2]], label);
    assert.equal(r.messages[0]!.bytes, FLIGHT.slice(0, -3), label);
    assert.deepEqual(names(r), ['smtp_bare_lf', 'smtp_smuggling_end'], label);
  }
});

test('item 4: limits.smuggling_holdback: at the limit the hold decides; one byte past it the data is read strictly', () => {
  const held = SMUGGLED_ENVELOPE.length;
  const steps: Step[] = [
    ...OPEN,
    { c: `Subject: one\r\n\r\nfirst\n.\r\n${SMUGGLED_ENVELOPE}` },
    { s: '250 queued 1\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: SMUGGLED_DATA }, { s: '250 queued 2\r\n' },
  ];
  const at = assertSplitInvariant(steps, { limits: { smuggling_holdback: held } }, 3);
  assertTwoMessages(at, 'Subject: one\r\n\r\nfirst\n', 'at the limit');
  const past = assertSplitInvariant(steps, { limits: { smuggling_holdback: held - 1 } }, 3);
  assert.ok(names(past).includes('smtp_smuggling_holdback_exceeded'));
  assert.equal(past.transactions[0]!.mail_from, 'a@example.org');
  assert.ok(!past.transactions.some((t) => t.mail_from === 'evil@example.com'), 'read strictly: no second envelope');
  const off = assertSplitInvariant(steps, { limits: { smuggling_holdback: 0 } }, 3);
  assert.ok(!names(off).includes('smtp_smuggling_holdback_exceeded'));
  assert.ok(!off.transactions.some((t) => t.mail_from === 'evil@example.com'));
});

test('item 4: a benign bare-LF dot line first, the smuggling terminator later: the later one is found', () => {
  const r = assertSplitInvariant([
    ...OPEN,
    { c: `Subject: one\r\n\r\nlist:\n.\nitem\r\nfirst\n.\r\n${SMUGGLED_ENVELOPE}` },
    { s: '250 queued 1\r\n250 ok\r\n250 ok\r\n354 go\r\n' },
    { c: SMUGGLED_DATA }, { s: '250 queued 2\r\n' },
  ], {}, 3);
  assertTwoMessages(r, 'Subject: one\r\n\r\nlist:\n.\nitem\r\nfirst\n', 'later terminator');
});
