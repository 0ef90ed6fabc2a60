import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionTable } from '../../../src/worker/session-table.js';
import { MetricDeltaAccumulator } from '../../../src/worker/metric-deltas.js';
import { deltaOf } from '../../../src/dispatch/metric-deltas.js';
import type { MetricDeltas } from '../../../src/dispatch/metric-deltas.js';

import { defaultConfig } from '../../../src/config/schema.js';
import type { LimitsConfig } from '../../../src/config/types.js';
import type { FlowOpenInfo, FlowSummary } from '../../../src/flow/types.js';
import type { MessageParserFactory } from '../../../src/mime/types.js';
import type { AnomalyRecord, EventRecord } from '../../../src/records/types.js';
import { stubMessageParsers } from '../../helpers/stub-message-parser.js';
import { START_IMPLICIT_TLS, START_SERVER_PREAMBLE } from '../../../src/smtp/start-flags.js';

function takeDeltas(m: MetricDeltaAccumulator): MetricDeltas {
  const d = m.take();
  assert.ok(d !== null, 'no metric deltas');
  return d;
}

const summary: FlowSummary = { startMicros: 1_000_000, endMicros: 2_000_000, bytesClient: 0, bytesServer: 0, gapBytes: 0, midstream: false, oneSided: null };

function info(flow: number): FlowOpenInfo {
  return {
    flow, uid: `C${flow}`, communityId: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
    client: { ip: '192.0.2.10', port: 1470 }, server: { ip: '198.51.100.25', port: 25 }, vlan: [], midstream: false,
  };
}

function makeTable(limits: Partial<LimitsConfig> = {}, parsers: MessageParserFactory = stubMessageParsers().factory) {
  const metrics = new MetricDeltaAccumulator();
  const table = new SessionTable(
    { limits: { ...defaultConfig().limits, ...limits }, logPasswords: false, newMessageParser: parsers },
    metrics,
  );
  return { table, metrics };
}

const CONVERSATION: ['c2s' | 's2c', string][] = [
  ['s2c', '220 mx ESMTP\r\n'],
  ['c2s', 'EHLO c\r\n'],
  ['s2c', '250 mx\r\n'],
  ['c2s', 'MAIL FROM:<a@example.com>\r\n'],
  ['s2c', '250 ok\r\n'],
  ['c2s', 'RCPT TO:<b@example.net>\r\n'],
  ['s2c', '250 ok\r\n'],
  ['c2s', 'DATA\r\n'],
  ['s2c', '354 go\r\n'],
  ['c2s', 'Subject: x\r\n\r\nhi\r\n.\r\n'],
  ['s2c', '250 queued\r\n'],
  ['c2s', 'QUIT\r\n'],
  ['s2c', '221 bye\r\n'],
];

function converse(table: SessionTable, flow: number): void {
  let ts = 1_000_000;
  for (const [dir, text] of CONVERSATION) table.onData(flow, dir, Buffer.from(text), ts++);
}

function events(recs: EventRecord[]): string[] {
  return recs.map((r) => (r.event === 'anomaly' ? `anomaly:${r.name}` : r.event));
}

test('a session is created on open, reports its transaction and session, and is gone after close', () => {
  const { table, metrics } = makeTable();
  table.onOpen(info(1), 1_000_000);
  assert.equal(table.size, 1);
  converse(table, 1);
  table.onClose(1, { reason: 'fin', summary }, 2_000_000);
  assert.equal(table.size, 0);
  const recs = table.takeRecords();
  assert.deepEqual(events(recs), ['smtp_transaction', 'smtp_session']);
  const t = recs[0]!;
  assert.ok(t.event === 'smtp_transaction');
  assert.equal(t.uid, 'C1');
  assert.equal(t.mail_from, 'a@example.com');
  assert.deepEqual(t.rcpt_to, ['b@example.net']);
  assert.equal(t.status, 'accepted');
  assert.deepEqual(table.takeRecords(), []);
  const d = metrics.take();
  assert.ok(d !== null);
  assert.equal(deltaOf(d, 'smtp_commands_total', 'MAIL'), 1);
  assert.equal(deltaOf(d, 'smtp_transactions_total', 'accepted'), 1);
  assert.equal(deltaOf(d, 'smtp_sessions_total', 'none'), 1);
  assert.equal(deltaOf(d, 'smtp_replies_total', '2xx'), 6);
  assert.equal(deltaOf(d, 'smtp_replies_total', '3xx'), 1);
  assert.equal(table.stats.opened, 1);
  assert.equal(table.stats.closed, 1);
});

test('events for flows without a session are counted as orphans, not thrown', () => {
  const { table } = makeTable();
  table.onData(5, 'c2s', Buffer.from('x'), 1);
  table.onGap(5, 'c2s', 3, 1);
  table.onClose(5, { reason: 'fin', summary }, 1);
  assert.equal(table.stats.orphanEvents, 3);
  assert.deepEqual(table.takeRecords(), []);
});

test('a gap raises flow_gap, and anomaly events stop at limits.anomaly_events_per_session', () => {
  const { table, metrics } = makeTable({ anomaly_events_per_session: 2 });
  table.onOpen(info(2), 0);
  table.onData(2, 's2c', Buffer.from('220 mx ESMTP\r\n'), 1);
  table.onGap(2, 'c2s', 100, 2);
  table.onAnomaly(2, { name: 'flow_overlap_mismatch', detail: 'c2s' }, 3); // 2nd: at the limit
  table.onAnomaly(2, { name: 'flow_memcap' }, 4); // one past: counted only
  const recs = table.takeRecords().filter((r): r is AnomalyRecord => r.event === 'anomaly');
  assert.deepEqual(recs.map((r) => r.name), ['flow_gap', 'flow_overlap_mismatch']);
  assert.equal(recs[0]!.detail, '100 bytes missing c2s');
  assert.equal(recs[1]!.detail, 'c2s');
  const d = metrics.take();
  assert.ok(d !== null);
  assert.equal(deltaOf(d, 'anomalies_total', 'flow_memcap'), 1);
  assert.equal(deltaOf(d, 'anomalies_total', 'flow_gap'), 1);
  // A new connection has its own budget.
  table.onOpen(info(3), 0);
  table.onAnomaly(3, { name: 'flow_memcap' }, 5);
  assert.deepEqual(events(table.takeRecords()), ['anomaly:flow_memcap']);
});

test('anomalies of flows without a session are counted, never written', () => {
  const { table, metrics } = makeTable();
  table.onAnomaly(9, { name: 'flow_memcap' }, 1);
  assert.deepEqual(table.takeRecords(), []);
  assert.equal(deltaOf(takeDeltas(metrics), 'anomalies_total', 'flow_memcap'), 1);
});

test('issue 12: the session takes the findings of recognition on the main thread from the open', () => {
  const { table } = makeTable();
  // SMTPS: TLS from the first byte, told by the open; the session does not judge the bytes again.
  table.onOpen(info(4), 0, START_IMPLICIT_TLS);
  table.onData(4, 'c2s', Buffer.from([0x17, 0x03, 0x03, 0x00, 0x02, 0xee, 0xee]), 1);
  table.onClose(4, { reason: 'fin', summary }, 2);
  const s = table.takeRecords().find((r) => r.event === 'smtp_session');
  assert.ok(s !== undefined && s.event === 'smtp_session');
  assert.equal(s.implicit_tls, true);
  assert.equal(s.commands, 0);
  // The proxy's answer to HTTP CONNECT is skipped when the open says it is there.
  table.onOpen(info(5), 0, START_SERVER_PREAMBLE);
  table.onData(5, 's2c', Buffer.from('HTTP/1.0 200 OK\r\n\r\n220 mx ESMTP\r\n'), 1);
  table.onClose(5, { reason: 'fin', summary }, 2);
  const recs = table.takeRecords();
  assert.deepEqual(events(recs), ['smtp_session']);
  const p = recs[0]!;
  assert.ok(p.event === 'smtp_session');
  assert.equal(p.banner, 'mx ESMTP');
});

test('an engine that throws loses only its own session, with smtp_internal_error', () => {
  const throwing: MessageParserFactory = () => ({
    write: () => {
      throw new Error('boom in the MIME parser');
    },
    gap: () => {},
    end: () => ({ message: { headers_bytes: 0, header_count: 0, parts: 0, attachments: [] }, anomalies: [] }),
  });
  const { table, metrics } = makeTable({}, throwing);
  table.onOpen(info(6), 0);
  table.onOpen(info(7), 0);
  converse(table, 6);
  assert.equal(table.stats.internalErrors, 1);
  assert.equal(table.size, 1);
  const recs = table.takeRecords().filter((r): r is AnomalyRecord => r.event === 'anomaly');
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.name, 'smtp_internal_error');
  assert.equal(recs[0]!.uid, 'C6');
  assert.match(recs[0]!.detail ?? '', /boom in the MIME parser/);
  assert.equal(deltaOf(takeDeltas(metrics), 'anomalies_total', 'smtp_internal_error'), 1);
  // The other connection is untouched.
  table.onData(7, 's2c', Buffer.from('220 mx ESMTP\r\n'), 1);
  table.onClose(7, { reason: 'fin', summary }, 2);
  assert.deepEqual(events(table.takeRecords()), ['smtp_session']);
});

test('a duplicate open keeps the existing session', () => {
  const { table } = makeTable();
  table.onOpen(info(8), 0);
  table.onData(8, 's2c', Buffer.from('220 mx ESMTP\r\n'), 1);
  table.onOpen(info(8), 2);
  table.onClose(8, { reason: 'fin', summary }, 3);
  const recs = table.takeRecords();
  assert.deepEqual(events(recs), ['smtp_session']);
  const s = recs[0]!;
  assert.ok(s.event === 'smtp_session');
  assert.equal(s.banner, 'mx ESMTP');
});
