// Properties of the SMTP engine's memory caps (issue 8, SPEC §6 limits) on a whole session, with
// small limits: after every chunk the pending-command FIFO holds at most limits.pending_commands
// entries and each direction's partial-line carry at most limits.line_length + 1 bytes, whatever
// mix of pipelined commands, replies, long lines and gaps arrives; recipients and transactions
// reported stay within their limits; passing the FIFO limit is reported as an anomaly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultConfig } from '../../src/config/schema.js';
import type { LimitsConfig } from '../../src/config/types.js';
import type { Direction, FlowOpenInfo } from '../../src/flow/types.js';
import type { AnomalyCode } from '../../src/shared/anomalies.js';
import { SmtpSession } from '../../src/smtp/session.js';
import type { TransactionFacts } from '../../src/smtp/types.js';
import { sessionInternals } from '../helpers/session-internals.js';
import { stubMessageParsers } from '../helpers/stub-message-parser.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const T0 = 1_700_000_000_000_000;

type Input = { dir: Direction; bytes: Buffer; chunk: number } | { dir: Direction; gap: number };

interface Outcome {
  transactions: TransactionFacts[];
  anomalies: AnomalyCode[];
  maxPending: number;
}

function run(inputs: readonly Input[], limits: LimitsConfig): Outcome {
  const res: Outcome = { transactions: [], anomalies: [], maxPending: 0 };
  const info: FlowOpenInfo = {
    flow: 1,
    uid: 'Ccaps',
    communityId: '1:caps',
    client: { ip: '192.0.2.7', port: 40000 },
    server: { ip: '198.51.100.7', port: 25 },
    vlan: [],
    midstream: false,
  };
  const session = new SmtpSession(
    info,
    { limits, logPasswords: false, newMessageParser: stubMessageParsers().factory },
    { transaction: (t) => res.transactions.push(t), session: () => undefined, anomaly: (n) => res.anomalies.push(n) },
    { command: () => undefined, reply: () => undefined, auth: () => undefined },
  );
  const inner = sessionInternals(session);
  inputs.forEach((x, i) => {
    const ts = T0 + i * 1000;
    if ('gap' in x) {
      session.onGap(x.dir, x.gap, ts);
      return;
    }
    for (let k = 0; k < x.bytes.length; k += x.chunk) {
      session.onData(x.dir, x.bytes.subarray(k, k + x.chunk), ts);
      assert.ok(inner.pending.length <= limits.pending_commands, `pending ${inner.pending.length} > ${limits.pending_commands}`);
      assert.ok(inner.client.pending <= limits.line_length + 1, `client carry ${inner.client.pending}`);
      assert.ok(inner.server.pending <= limits.line_length + 1, `server carry ${inner.server.pending}`);
      res.maxPending = Math.max(res.maxPending, inner.pending.length);
    }
  });
  session.onClose('fin', { startMicros: T0, endMicros: T0 + inputs.length * 1000, bytesClient: 0, bytesServer: 0, gapBytes: 0, midstream: false, oneSided: null }, T0 + inputs.length * 1000);
  return res;
}

const command = fc.constantFrom('EHLO a\r\n', 'MAIL FROM:<a@example.org>\r\n', 'RCPT TO:<b@example.net>\r\n', 'NOOP\r\n', 'RSET\r\n', 'VRFY x\r\n', 'DATA\r\n', 'x\r\n.\r\n', 'BDAT 4\r\nabcd', 'BDAT 0 LAST\r\n');
const reply = fc.constantFrom('250 ok\r\n', '250-a\r\n250 b\r\n', '354 go\r\n', '550 no\r\n', '221 bye\r\n');
const longLine = fc.tuple(fc.integer({ min: 60, max: 700 }), fc.constantFrom('\r\n', '\n', '')).map(([n, end]) => 'X'.repeat(n) + end);

const inputArb: fc.Arbitrary<Input> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ dir: fc.constant<Direction>('c2s'), bytes: fc.array(command, { minLength: 1, maxLength: 40 }).map((c) => Buffer.from(c.join(''), 'latin1')), chunk: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 3, arbitrary: fc.record({ dir: fc.constant<Direction>('s2c'), bytes: fc.array(reply, { minLength: 1, maxLength: 6 }).map((r) => Buffer.from(r.join(''), 'latin1')), chunk: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 2, arbitrary: fc.record({ dir: fc.constantFrom<Direction>('c2s', 's2c'), bytes: longLine.map((l) => Buffer.from(l, 'latin1')), chunk: fc.integer({ min: 1, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ dir: fc.constantFrom<Direction>('c2s', 's2c'), gap: fc.integer({ min: 1, max: 5000 }) }) },
);

test('pipelined floods, long lines and gaps: the FIFO, the line carries, recipients and transactions stay within their limits', () => {
  let flooded = 0;
  fc.assert(
    fc.property(fc.array(inputArb, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 64, max: 200 }), (inputs, pendingLimit, lineLimit) => {
      const limits: LimitsConfig = { ...defaultConfig().limits, pending_commands: pendingLimit, line_length: lineLimit, recipients: 3, transactions: 2 };
      const r = run([{ dir: 's2c', bytes: Buffer.from('220 mx\r\n'), chunk: 8 }, ...inputs], limits);
      for (const t of r.transactions) assert.ok(t.rcpt_to.length <= limits.recipients, `${t.rcpt_to.length} recipients listed`);
      assert.ok(r.transactions.length <= limits.transactions, `${r.transactions.length} transactions reported`);
      if (r.anomalies.includes('smtp_excessive_pending_cmds')) flooded++;
    }),
    { numRuns: RUNS },
  );
  assert.ok(flooded > 0, 'some runs passed the pending-command limit');
});

test('more unanswered commands than the limit: the anomaly is raised and the FIFO never grows past the limit', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 40 }), (limit, extra, chunk) => {
      const limits: LimitsConfig = { ...defaultConfig().limits, pending_commands: limit };
      const n = limit + extra;
      const r = run([{ dir: 's2c', bytes: Buffer.from('220 mx\r\n'), chunk: 8 }, { dir: 'c2s', bytes: Buffer.from('NOOP\r\n'.repeat(n)), chunk }], limits);
      assert.ok(r.maxPending <= limit);
      assert.equal(r.anomalies.includes('smtp_excessive_pending_cmds'), n > limit, `${n} commands, limit ${limit}`);
    }),
    { numRuns: RUNS },
  );
});
