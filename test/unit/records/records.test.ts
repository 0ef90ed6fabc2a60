import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAnomalyRecord, buildSessionRecord, buildTransactionRecord } from '../../../src/records/records.js';
import type { FlowOpenInfo } from '../../../src/flow/types.js';
import type { SessionFacts, TransactionFacts } from '../../../src/smtp/types.js';

const untagged: FlowOpenInfo = {
  flow: 7,
  uid: 'CqX9a1',
  communityId: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
  client: { ip: '192.0.2.10', port: 1470 },
  server: { ip: '198.51.100.25', port: 25 },
  vlan: [],
  midstream: false,
};
const tagged: FlowOpenInfo = { ...untagged, vlan: [100, 200] };

const COMMON_KEYS = ['ts', 'event', 'uid', 'community_id', 'src_ip', 'src_port', 'dst_ip', 'dst_port'];

function fullTransaction(): TransactionFacts {
  return {
    tsMicros: 1705309200123456,
    trans_depth: 2,
    helo: 'client.example',
    auth: { mechanism: 'LOGIN', user: 'costa', result: 'success', cleartext: true, password: 'secret' },
    tls: false,
    mail_from: 'a@example.com',
    mail_params: { SIZE: '100', BODY: '8BITMIME' },
    rcpt_to: ['b@example.net'],
    rcpt_rejected: [{ address: 'c@example.net', code: 550 }],
    rcpt_params: { 'b@example.net': { NOTIFY: 'NEVER' } },
    status: 'accepted',
    reply: { code: 250, text: 'ok\nqueued' },
    data_bytes: 24,
    bdat: false,
    gap_bytes: 0,
    message: { subject: 'hi', subject_raw: undefined, headers_bytes: 10, header_count: 1, parts: 1, attachments: [] },
    anomalies: ['smtp_bare_lf'],
  };
}

test('transaction: common fields first, then every field in SPEC order', () => {
  const r = buildTransactionRecord(untagged, fullTransaction(), { logPasswords: false });
  assert.deepEqual(Object.keys(r), [
    ...COMMON_KEYS,
    'trans_depth', 'helo', 'auth', 'tls', 'mail_from', 'mail_params', 'rcpt_to', 'rcpt_rejected', 'rcpt_params',
    'status', 'reply', 'data_bytes', 'bdat', 'gap_bytes', 'message', 'anomalies',
  ]);
  assert.equal(r.ts, '2024-01-15T09:00:00.123456Z');
  assert.equal(r.event, 'smtp_transaction');
  assert.equal(r.uid, 'CqX9a1');
  assert.equal(r.community_id, '1:wCb3OG7yAFWelaUydu0D+125CLM=');
  assert.equal(r.src_ip, '192.0.2.10');
  assert.equal(r.src_port, 1470);
  assert.equal(r.dst_ip, '198.51.100.25');
  assert.equal(r.dst_port, 25);
  assert.equal(r.trans_depth, 2);
  assert.equal(r.helo, 'client.example');
  assert.deepEqual(r.auth, { mechanism: 'LOGIN', user: 'costa', result: 'success', cleartext: true });
  assert.equal(r.tls, false);
  assert.equal(r.mail_from, 'a@example.com');
  assert.deepEqual(r.mail_params, { SIZE: '100', BODY: '8BITMIME' });
  assert.deepEqual(r.rcpt_to, ['b@example.net']);
  assert.deepEqual(r.rcpt_rejected, [{ address: 'c@example.net', code: 550 }]);
  assert.deepEqual(r.rcpt_params, { 'b@example.net': { NOTIFY: 'NEVER' } });
  assert.equal(r.status, 'accepted');
  assert.deepEqual(r.reply, { code: 250, text: 'ok\nqueued' });
  assert.equal(r.data_bytes, 24);
  assert.equal(r.bdat, false);
  assert.equal(r.gap_bytes, 0);
  assert.deepEqual(r.message, { subject: 'hi', headers_bytes: 10, header_count: 1, parts: 1, attachments: [] });
  assert.ok(r.message !== undefined && !('subject_raw' in r.message), 'undefined message fields omitted');
  assert.deepEqual(r.anomalies, ['smtp_bare_lf']);
});

test('vlan appears only when tagged, outermost first', () => {
  const t = buildTransactionRecord(tagged, fullTransaction(), { logPasswords: false });
  assert.deepEqual(t.vlan, [100, 200]);
  assert.equal(Object.keys(t).indexOf('vlan'), COMMON_KEYS.length);
  const u = buildTransactionRecord(untagged, fullTransaction(), { logPasswords: false });
  assert.ok(!('vlan' in u));
  assert.ok(!('vlan' in buildAnomalyRecord(untagged, 'flow_gap', 1)));
  assert.deepEqual(buildAnomalyRecord(tagged, 'flow_gap', 1).vlan, [100, 200]);
});

test('the password is written only when log_passwords is on', () => {
  const off = buildTransactionRecord(untagged, fullTransaction(), { logPasswords: false });
  assert.ok(!JSON.stringify(off).includes('secret'));
  const on = buildTransactionRecord(untagged, fullTransaction(), { logPasswords: true });
  assert.equal(on.auth?.password, 'secret');
});

test('undefined optional fields are omitted, not written as keys', () => {
  const minimal: TransactionFacts = {
    tsMicros: 0, trans_depth: 1, tls: true, mail_from: '', rcpt_to: [], rcpt_rejected: [], status: 'unknown',
    data_bytes: 0, bdat: true, gap_bytes: 5, anomalies: [], helo: undefined, auth: undefined, message: undefined,
  };
  const r = buildTransactionRecord(untagged, minimal, { logPasswords: false });
  assert.deepEqual(Object.keys(r), [...COMMON_KEYS, 'trans_depth', 'tls', 'mail_from', 'rcpt_to', 'rcpt_rejected', 'status', 'data_bytes', 'bdat', 'gap_bytes', 'anomalies']);
  assert.equal(r.mail_from, '');
  assert.equal(r.gap_bytes, 5);
  assert.equal(r.bdat, true);
});

test('session: start/end/duration from packet times and every field', () => {
  const s: SessionFacts = {
    startMicros: 1705309200000000,
    endMicros: 1705309202500001,
    banner: 'mx ESMTP',
    helo: 'SMTP.163.com',
    ehlo_keywords: ['AUTH', '8BITMIME'],
    auth: { mechanism: 'PLAIN', result: 'failure', cleartext: false, password: 'pw' },
    starttls: 'offered',
    transactions: 1,
    commands: 7,
    bytes_client: 100,
    bytes_server: 200,
    gap_bytes: 3,
    close: 'eof',
    midstream: true,
    one_sided: 'client_only',
    anomalies: ['smtp_unmatched_reply'],
  };
  const r = buildSessionRecord(untagged, s, { logPasswords: false });
  assert.deepEqual(Object.keys(r), [
    ...COMMON_KEYS, 'start', 'end', 'duration', 'banner', 'helo', 'ehlo_keywords', 'auth', 'starttls', 'transactions',
    'commands', 'bytes_client', 'bytes_server', 'gap_bytes', 'close', 'midstream', 'one_sided', 'anomalies',
  ]);
  assert.equal(r.event, 'smtp_session');
  assert.equal(r.ts, '2024-01-15T09:00:00.000000Z');
  assert.equal(r.start, '2024-01-15T09:00:00.000000Z');
  assert.equal(r.end, '2024-01-15T09:00:02.500001Z');
  assert.equal(r.duration, 2.500001);
  assert.equal(r.banner, 'mx ESMTP');
  assert.equal(r.helo, 'SMTP.163.com');
  assert.deepEqual(r.ehlo_keywords, ['AUTH', '8BITMIME']);
  assert.deepEqual(r.auth, { mechanism: 'PLAIN', result: 'failure', cleartext: false });
  assert.equal(r.starttls, 'offered');
  assert.equal(r.transactions, 1);
  assert.equal(r.commands, 7);
  assert.equal(r.bytes_client, 100);
  assert.equal(r.bytes_server, 200);
  assert.equal(r.gap_bytes, 3);
  assert.equal(r.close, 'eof');
  assert.equal(r.midstream, true);
  assert.equal(r.one_sided, 'client_only');
  assert.deepEqual(r.anomalies, ['smtp_unmatched_reply']);
});

test('session without optional facts has no optional keys', () => {
  const s: SessionFacts = {
    startMicros: 5, endMicros: 5, transactions: 0, commands: 0, bytes_client: 0, bytes_server: 0, gap_bytes: 0,
    close: 'fin', midstream: false, anomalies: [],
  };
  const r = buildSessionRecord(untagged, s, { logPasswords: true });
  assert.deepEqual(Object.keys(r), [...COMMON_KEYS, 'start', 'end', 'duration', 'transactions', 'commands', 'bytes_client', 'bytes_server', 'gap_bytes', 'close', 'midstream', 'anomalies']);
  assert.equal(r.duration, 0);
});

test('anomaly record: name and detail after the common fields; detail omitted when absent', () => {
  const a = buildAnomalyRecord(untagged, 'flow_overlap_mismatch', 1705309200000001, 'c2s bytes differ');
  assert.deepEqual(Object.keys(a), [...COMMON_KEYS, 'name', 'detail']);
  assert.equal(a.event, 'anomaly');
  assert.equal(a.ts, '2024-01-15T09:00:00.000001Z');
  assert.equal(a.name, 'flow_overlap_mismatch');
  assert.equal(a.detail, 'c2s bytes differ');
  assert.deepEqual(Object.keys(buildAnomalyRecord(untagged, 'flow_gap', 0)), [...COMMON_KEYS, 'name']);
});

test('records do not share the connection vlan array', () => {
  const info: FlowOpenInfo = { ...untagged, vlan: [5] };
  const r = buildAnomalyRecord(info, 'flow_gap', 0);
  info.vlan.push(6);
  assert.deepEqual(r.vlan, [5]);
});
