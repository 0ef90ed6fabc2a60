import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpGate } from '../../../src/dispatch/smtp-gate.js';
import type { GatePool, SmtpGateOptions } from '../../../src/dispatch/smtp-gate.js';
import type { CloseInfo, AnomalyInfo } from '../../../src/dispatch/types.js';
import { IGNORE, type Direction, type FlowOpenInfo, type FlowSummary } from '../../../src/flow/types.js';
import type { AnomalyCode } from '../../../src/shared/anomalies.js';
import { START_CLIENT_PREAMBLE, START_IMPLICIT_TLS, START_SERVER_PREAMBLE } from '../../../src/smtp/start-flags.js';

type Sent = string;

class FakePool implements GatePool {
  sent: Sent[] = [];
  /** The recognition findings (smtp/start-flags.ts) each open carried, by flow. */
  starts = new Map<number, number>();
  workers = 2;
  open(info: FlowOpenInfo, ts: number, start = 0): void { this.sent.push(`open ${info.flow} ${ts}`); this.starts.set(info.flow, start); }
  data(flow: number, ts: number, dir: Direction, bytes: Buffer): boolean { this.sent.push(`data ${flow} ${ts} ${dir} ${bytes.toString('latin1')}`); return true; }
  gap(flow: number, ts: number, dir: Direction, len: number): void { this.sent.push(`gap ${flow} ${ts} ${dir} ${len}`); }
  close(flow: number, ts: number, c: CloseInfo): void { this.sent.push(`close ${flow} ${ts} ${c.reason}`); }
  anomaly(flow: number, ts: number, a: AnomalyInfo): void { this.sent.push(`anomaly ${flow} ${ts} ${a.name}`); }
  workerOf(flow: number): number { return flow % this.workers; }
  /** Batch sequence per worker: each close goes into batch `seq[w]`; `done[w]` is the last one processed. */
  seq = [0, 0];
  done = [-1, -1];
  pendingSeqOf(flow: number): number { return this.seq[this.workerOf(flow)]!; }
  isDone(worker: number, seq: number): boolean { return this.done[worker]! >= seq; }
}

function setup(over: Partial<SmtpGateOptions> = {}) {
  const pool = new FakePool();
  const anomalies: AnomalyCode[] = [];
  const ignored: number[] = [];
  const gate = new SmtpGate({ smtpPorts: [25, 587], pendingBytesPerFlow: 16384, pendingBytesTotal: 1 << 20, ...over }, pool, { anomaly: (n) => anomalies.push(n) });
  // As the FlowTable does: the first IGNORE answer for a flow stops it (recorded once).
  const onEvent = gate.onEvent.bind(gate);
  gate.onEvent = (ev) => {
    const v = onEvent(ev);
    if (v === IGNORE && ev.t !== 'open' && !ignored.includes(ev.flow)) ignored.push(ev.flow);
    return v;
  };
  return { pool, gate, anomalies, ignored };
}

function info(flow: number, serverPort: number): FlowOpenInfo {
  return {
    flow, uid: `C${flow}`, communityId: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
    client: { ip: '192.0.2.1', port: 40000 + flow }, server: { ip: '198.51.100.2', port: serverPort }, vlan: [], midstream: false,
  };
}

const summary: FlowSummary = { startMicros: 0, endMicros: 1, bytesClient: 0, bytesServer: 0, gapBytes: 0, midstream: false, oneSided: null };

test('a flow on an SMTP port goes to its worker with its first reply line, close included', () => {
  const { pool, gate } = setup();
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(1, 25) });
  gate.onEvent({ t: 'data', flow: 1, tsMicros: 2, dir: 's2c', bytes: Buffer.from('220 x\r\n') });
  gate.onEvent({ t: 'gap', flow: 1, tsMicros: 3, dir: 'c2s', len: 4 });
  gate.onEvent({ t: 'anomaly', flow: 1, tsMicros: 4, name: 'flow_memcap' });
  gate.onEvent({ t: 'close', flow: 1, tsMicros: 5, reason: 'fin', summary });
  assert.deepEqual(pool.sent, ['open 1 1', 'data 1 2 s2c 220 x\r\n', 'gap 1 3 c2s 4', 'anomaly 1 4 flow_memcap', 'close 1 5 fin']);
  assert.equal(gate.openFlows, 0);
  assert.equal(gate.stats.recognised, 1);
});

test('a flow on an SMTP port that never carries a byte never reaches a worker (SYN flood)', () => {
  const { pool, gate, anomalies } = setup();
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(30, 25) });
  for (let i = 0; i < 20; i++) gate.onEvent({ t: 'anomaly', flow: 30, tsMicros: 2, name: 'flow_seq_jump' });
  gate.onEvent({ t: 'anomaly', flow: 30, tsMicros: 3, name: 'flow_evicted' });
  gate.onEvent({ t: 'close', flow: 30, tsMicros: 4, reason: 'evicted', summary });
  assert.deepEqual(pool.sent, []);
  assert.equal(gate.openFlows, 0);
  assert.deepEqual(gate.stats, { recognised: 0, rejected: 0, undecided: 0, closedPending: 1, pendingBytes: 0 });
  // Every anomaly is still counted: 16 were held, the rest counted at once.
  assert.equal(anomalies.filter((a) => a === 'flow_seq_jump').length, 20);
  assert.deepEqual(anomalies.filter((a) => a !== 'flow_seq_jump'), ['flow_evicted', 'smtp_not_smtp']);
  // The verdict opens the worker session with the open's time and the held events first; a gap
  // alone decides nothing (issue 12: the recognizer decides on port flows too).
  gate.onEvent({ t: 'open', tsMicros: 5, info: info(31, 25) });
  gate.onEvent({ t: 'anomaly', flow: 31, tsMicros: 6, name: 'flow_midstream' });
  gate.onEvent({ t: 'gap', flow: 31, tsMicros: 7, dir: 'c2s', len: 3 });
  assert.deepEqual(pool.sent, []);
  gate.onEvent({ t: 'data', flow: 31, tsMicros: 8, dir: 'c2s', bytes: Buffer.from('RCPT TO:<a@b>\r\n') });
  assert.deepEqual(pool.sent, ['open 31 5', 'anomaly 31 6 flow_midstream', 'gap 31 7 c2s 3', 'data 31 8 c2s RCPT TO:<a@b>\r\n']);
});

test('SMTP on another port is held until recognised, then replayed in order from copies', () => {
  const { pool, gate } = setup();
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(2, 2500) });
  const banner = Buffer.from('220 mx.example ESMTP\r\n');
  gate.onEvent({ t: 'data', flow: 2, tsMicros: 2, dir: 's2c', bytes: banner });
  banner.fill(0x41); // the capture buffer is reused: the held copy must not change
  gate.onEvent({ t: 'anomaly', flow: 2, tsMicros: 3, name: 'flow_overlap_mismatch' });
  assert.deepEqual(pool.sent, []);
  assert.ok(gate.stats.pendingBytes > 0);
  gate.onEvent({ t: 'data', flow: 2, tsMicros: 4, dir: 'c2s', bytes: Buffer.from('EHLO client\r\n') });
  assert.deepEqual(pool.sent, ['open 2 1', 'data 2 2 s2c 220 mx.example ESMTP\r\n', 'anomaly 2 3 flow_overlap_mismatch', 'data 2 4 c2s EHLO client\r\n']);
  assert.equal(gate.stats.pendingBytes, 0);
  gate.onEvent({ t: 'close', flow: 2, tsMicros: 5, reason: 'rst', summary });
  assert.equal(pool.sent.at(-1), 'close 2 5 rst');
});

test('not SMTP: FlowTable.ignore, counted, and nothing reaches a worker, not even the close', () => {
  const { pool, gate, anomalies, ignored } = setup();
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(3, 80) });
  gate.onEvent({ t: 'data', flow: 3, tsMicros: 2, dir: 'c2s', bytes: Buffer.from('GET / HTTP/1.1\r\n') });
  assert.deepEqual(ignored, [3]);
  assert.deepEqual(anomalies, ['smtp_not_smtp']);
  gate.onEvent({ t: 'anomaly', flow: 3, tsMicros: 3, name: 'flow_seq_jump' });
  gate.onEvent({ t: 'close', flow: 3, tsMicros: 4, reason: 'fin', summary });
  assert.deepEqual(pool.sent, []);
  assert.deepEqual(anomalies, ['smtp_not_smtp', 'flow_seq_jump']);
  assert.equal(gate.openFlows, 0);
  assert.equal(gate.stats.rejected, 1);
});

test('a flow that closes while still pending never reaches a worker; its anomalies are counted', () => {
  const { pool, gate, anomalies } = setup();
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(4, 2500) });
  gate.onEvent({ t: 'data', flow: 4, tsMicros: 2, dir: 's2c', bytes: Buffer.from('220 hi\r\n') });
  gate.onEvent({ t: 'anomaly', flow: 4, tsMicros: 3, name: 'flow_one_sided', detail: 'server_only' });
  gate.onEvent({ t: 'close', flow: 4, tsMicros: 3, reason: 'fin', summary });
  assert.deepEqual(pool.sent, []);
  assert.deepEqual(anomalies, ['flow_one_sided', 'smtp_not_smtp']);
  assert.equal(gate.stats.closedPending, 1);
  assert.equal(gate.stats.pendingBytes, 0);
});

test('per-flow pending budget: at the limit held, one byte past it the flow is left alone', () => {
  const { pool, gate, ignored } = setup({ pendingBytesPerFlow: 10 });
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(5, 2500) });
  gate.onEvent({ t: 'data', flow: 5, tsMicros: 2, dir: 's2c', bytes: Buffer.from('220 ') }); // 4
  gate.onEvent({ t: 'data', flow: 5, tsMicros: 3, dir: 's2c', bytes: Buffer.from('abcdef') }); // 10: at the limit
  assert.deepEqual(ignored, []);
  assert.equal(gate.stats.pendingBytes, 10);
  gate.onEvent({ t: 'data', flow: 5, tsMicros: 4, dir: 's2c', bytes: Buffer.from('g') }); // 11
  assert.deepEqual(ignored, [5]);
  assert.equal(gate.stats.undecided, 1);
  assert.equal(gate.stats.pendingBytes, 0);
  assert.deepEqual(pool.sent, []);
});

test('total pending budget across flows', () => {
  const { gate, ignored } = setup({ pendingBytesTotal: 8 });
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(6, 2500) });
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(7, 2500) });
  gate.onEvent({ t: 'data', flow: 6, tsMicros: 2, dir: 's2c', bytes: Buffer.from('220 ') });
  gate.onEvent({ t: 'data', flow: 7, tsMicros: 2, dir: 's2c', bytes: Buffer.from('220 ') });
  assert.deepEqual(ignored, []);
  gate.onEvent({ t: 'data', flow: 7, tsMicros: 3, dir: 's2c', bytes: Buffer.from('x') });
  assert.deepEqual(ignored, [7]);
  assert.equal(gate.stats.pendingBytes, 4);
});

test('a worker restart reports flow_worker_restarted once per SMTP flow it held; they are ignored (IGNORE at their next event)', () => {
  const { pool, gate, anomalies, ignored } = setup();
  for (const f of [10, 11, 12, 13]) {
    gate.onEvent({ t: 'open', tsMicros: 1, info: info(f, 25) });
    gate.onEvent({ t: 'data', flow: f, tsMicros: 1, dir: 's2c', bytes: Buffer.from('220\r\n') });
  }
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(14, 2500) }); // pending: never on a worker
  const lost = gate.onWorkerRestart(0);
  assert.deepEqual(lost.map((info) => [info.uid, info.flow]), [['C10', 10], ['C12', 12]]);
  assert.deepEqual(anomalies, ['flow_worker_restarted', 'flow_worker_restarted']);
  pool.sent = [];
  gate.onEvent({ t: 'data', flow: 10, tsMicros: 2, dir: 'c2s', bytes: Buffer.from('x') });
  gate.onEvent({ t: 'data', flow: 11, tsMicros: 2, dir: 'c2s', bytes: Buffer.from('y') });
  gate.onEvent({ t: 'gap', flow: 12, tsMicros: 2, dir: 'c2s', len: 3 });
  assert.deepEqual(pool.sent, ['data 11 2 c2s y']);
  assert.deepEqual(ignored, [10, 12]);
});

test('a closed flow whose batch its worker never finished is reported when the worker dies; a finished one is not', () => {
  const { pool, gate, anomalies } = setup();
  for (const f of [20, 22, 24]) {
    gate.onEvent({ t: 'open', tsMicros: 1, info: info(f, 25) });
    gate.onEvent({ t: 'data', flow: f, tsMicros: 2, dir: 's2c', bytes: Buffer.from('220\r\n') });
  }
  gate.onEvent({ t: 'close', flow: 20, tsMicros: 3, reason: 'fin', summary }); // travels in worker 0's batch 0
  pool.done[0] = 0; // worker 0 processed batch 0: flow 20's session is written
  pool.seq[0] = 1;
  gate.onEvent({ t: 'close', flow: 22, tsMicros: 4, reason: 'fin', summary }); // batch 1, never processed
  const lost = gate.onWorkerRestart(0);
  assert.deepEqual(lost.map((info) => info.uid).sort(), ['C22', 'C24']);
  assert.deepEqual(anomalies, ['flow_worker_restarted', 'flow_worker_restarted']);
  // Reported once: a second death of the same worker does not repeat them.
  assert.deepEqual(gate.onWorkerRestart(0), []);
});

test('events of unknown flows are ignored', () => {
  const { pool, gate } = setup();
  gate.onEvent({ t: 'data', flow: 99, tsMicros: 2, dir: 'c2s', bytes: Buffer.from('x') });
  gate.onEvent({ t: 'close', flow: 99, tsMicros: 2, reason: 'fin', summary });
  assert.deepEqual(pool.sent, []);
});

test('a rejected flow is answered IGNORE by the event that decided it and every later one; its close is not', () => {
  const pool = new FakePool();
  const gate = new SmtpGate({ smtpPorts: [25], pendingBytesPerFlow: 16384, pendingBytesTotal: 1 << 20 }, pool, { anomaly: () => {} });
  assert.equal(gate.onEvent({ t: 'open', tsMicros: 1, info: info(20, 80) }), undefined);
  assert.equal(gate.onEvent({ t: 'data', flow: 20, tsMicros: 2, dir: 'c2s', bytes: Buffer.from('GET / HTTP/1.1\r\n') }), IGNORE);
  assert.equal(gate.onEvent({ t: 'data', flow: 20, tsMicros: 3, dir: 'c2s', bytes: Buffer.from('more') }), IGNORE);
  assert.equal(gate.onEvent({ t: 'close', flow: 20, tsMicros: 4, reason: 'fin', summary }), undefined);
  assert.deepEqual(pool.sent, []);
  assert.equal(gate.openFlows, 0);
});

test('implicit TLS on 465 when 465 is not among capture.ports: a ClientHello first is SMTP (issue 16); on 443 it is not', () => {
  const { pool, gate, ignored } = setup();
  const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0xf8, 0x01, 0x00, 0x00, 0xf4, 0x03, 0x03]);
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(4, 465) });
  gate.onEvent({ t: 'data', flow: 4, tsMicros: 2, dir: 'c2s', bytes: hello.subarray(0, 3) });
  assert.deepEqual(pool.sent, [], 'undecided before the handshake type');
  gate.onEvent({ t: 'data', flow: 4, tsMicros: 3, dir: 'c2s', bytes: hello.subarray(3) });
  assert.equal(pool.sent[0], 'open 4 1');
  assert.equal(pool.sent.length, 3);
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(5, 443) });
  gate.onEvent({ t: 'data', flow: 5, tsMicros: 2, dir: 'c2s', bytes: hello });
  assert.deepEqual(ignored, [5]);
});

test('issue 12: a flow on an SMTP port that is not SMTP never reaches a worker: the gate alone decides', () => {
  const { pool, gate, anomalies, ignored } = setup();
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(40, 25) });
  gate.onEvent({ t: 'data', flow: 40, tsMicros: 2, dir: 'c2s', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n') });
  gate.onEvent({ t: 'data', flow: 40, tsMicros: 3, dir: 's2c', bytes: Buffer.from('HTTP/1.1 200 OK\r\n') });
  gate.onEvent({ t: 'close', flow: 40, tsMicros: 4, reason: 'fin', summary });
  assert.deepEqual(pool.sent, []);
  assert.deepEqual(ignored, [40]);
  assert.deepEqual(anomalies, ['smtp_not_smtp']);
  assert.deepEqual(gate.stats, { recognised: 0, rejected: 1, undecided: 0, closedPending: 0, pendingBytes: 0 });
  // Binary from the server, and a few bytes of text and the close: not SMTP either, no worker.
  gate.onEvent({ t: 'open', tsMicros: 5, info: info(41, 587) });
  gate.onEvent({ t: 'data', flow: 41, tsMicros: 6, dir: 's2c', bytes: Buffer.from([0x00, 0x01, 0x0d, 0x0a]) });
  gate.onEvent({ t: 'close', flow: 41, tsMicros: 6, reason: 'fin', summary });
  gate.onEvent({ t: 'open', tsMicros: 7, info: info(42, 25) });
  gate.onEvent({ t: 'data', flow: 42, tsMicros: 8, dir: 's2c', bytes: Buffer.from('hello') });
  gate.onEvent({ t: 'close', flow: 42, tsMicros: 9, reason: 'fin', summary });
  assert.deepEqual(pool.sent, []);
  assert.equal(gate.stats.rejected, 2);
  assert.equal(gate.stats.closedPending, 1);
  assert.equal(gate.openFlows, 0);
});

test('issue 12: on an SMTP port the first reply line or command decides; held events go first', () => {
  const { pool, gate } = setup();
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(43, 25) });
  gate.onEvent({ t: 'anomaly', flow: 43, tsMicros: 2, name: 'flow_midstream' });
  gate.onEvent({ t: 'gap', flow: 43, tsMicros: 3, dir: 's2c', len: 7 });
  gate.onEvent({ t: 'data', flow: 43, tsMicros: 4, dir: 's2c', bytes: Buffer.from('250-mx') });
  assert.deepEqual(pool.sent, [], 'no line yet');
  assert.equal(gate.stats.pendingBytes, 6);
  gate.onEvent({ t: 'data', flow: 43, tsMicros: 5, dir: 's2c', bytes: Buffer.from('\r\n250 OK\r\n') });
  assert.deepEqual(pool.sent, ['open 43 1', 'anomaly 43 2 flow_midstream', 'gap 43 3 s2c 7', 'data 43 4 s2c 250-mx', 'data 43 5 s2c \r\n250 OK\r\n']);
  assert.equal(pool.starts.get(43), 0);
  assert.equal(gate.stats.pendingBytes, 0);
  assert.equal(gate.stats.recognised, 1);
});

test('issue 12: the findings of the verdict travel with the open (implicit TLS, HTTP CONNECT preambles)', () => {
  const { pool, gate } = setup();
  // A ClientHello first on an SMTP port: SMTPS (RFC 8314 §3.3).
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(44, 25) });
  gate.onEvent({ t: 'data', flow: 44, tsMicros: 2, dir: 'c2s', bytes: Buffer.from([0x16, 0x03, 0x01, 0x00, 0xf8, 0x01, 0x00]) });
  assert.equal(pool.starts.get(44), START_IMPLICIT_TLS);
  // SMTP through an HTTP CONNECT proxy on another port: both preambles are the session's to skip.
  gate.onEvent({ t: 'open', tsMicros: 3, info: info(45, 8240) });
  gate.onEvent({ t: 'data', flow: 45, tsMicros: 4, dir: 'c2s', bytes: Buffer.from('CONNECT mx.example.de:25 HTTP/1.0\r\n\r\n') });
  gate.onEvent({ t: 'data', flow: 45, tsMicros: 5, dir: 's2c', bytes: Buffer.from('HTTP/1.0 200 Connection established\r\n\r\n220 mx ESMTP\r\n') });
  assert.equal(pool.starts.get(45), undefined, 'the client has not said HELO/EHLO yet');
  gate.onEvent({ t: 'data', flow: 45, tsMicros: 6, dir: 'c2s', bytes: Buffer.from('HELO a\r\n') });
  assert.equal(pool.starts.get(45), START_CLIENT_PREAMBLE | START_SERVER_PREAMBLE);
  // Only the proxy's answer (the capture missed the request): the server side's preamble alone.
  gate.onEvent({ t: 'open', tsMicros: 7, info: info(46, 25) });
  gate.onEvent({ t: 'data', flow: 46, tsMicros: 8, dir: 's2c', bytes: Buffer.from('HTTP/1.0 200 OK\r\n\r\n220 mx ESMTP\r\n') });
  gate.onEvent({ t: 'data', flow: 46, tsMicros: 9, dir: 'c2s', bytes: Buffer.from('EHLO a\r\n') });
  assert.equal(pool.starts.get(46), START_SERVER_PREAMBLE);
});

test('issue 12: out of pending budget before a verdict, a flow on an SMTP port is SMTP by its port', () => {
  // A tunnelled session on port 25 follows the strict rules (greeting AND HELO/EHLO), so the
  // client's EHLO alone leaves it pending while the server is silent.
  const { pool, gate, ignored } = setup({ pendingBytesPerFlow: 60 });
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(50, 25) });
  const connect = 'CONNECT mx:25 HTTP/1.0\r\n\r\nEHLO a\r\n'; // 34 bytes
  gate.onEvent({ t: 'data', flow: 50, tsMicros: 2, dir: 'c2s', bytes: Buffer.from(connect) });
  gate.onEvent({ t: 'data', flow: 50, tsMicros: 3, dir: 'c2s', bytes: Buffer.from('x'.repeat(26)) }); // 60: at the limit
  assert.deepEqual(pool.sent, []);
  assert.equal(gate.stats.pendingBytes, 60);
  gate.onEvent({ t: 'data', flow: 50, tsMicros: 4, dir: 'c2s', bytes: Buffer.from('y') }); // 61: one past
  assert.deepEqual(pool.sent, ['open 50 1', `data 50 2 c2s ${connect}`, `data 50 3 c2s ${'x'.repeat(26)}`, 'data 50 4 c2s y']);
  assert.equal(pool.starts.get(50), START_CLIENT_PREAMBLE);
  assert.deepEqual(ignored, []);
  assert.deepEqual(gate.stats, { recognised: 1, rejected: 0, undecided: 0, closedPending: 0, pendingBytes: 0 });
  // The same on another port is left alone, undecided.
  gate.onEvent({ t: 'open', tsMicros: 5, info: info(51, 2500) });
  gate.onEvent({ t: 'data', flow: 51, tsMicros: 6, dir: 'c2s', bytes: Buffer.from(connect) });
  gate.onEvent({ t: 'data', flow: 51, tsMicros: 7, dir: 'c2s', bytes: Buffer.from('x'.repeat(27)) });
  assert.deepEqual(ignored, [51]);
  assert.equal(gate.stats.undecided, 1);
});

test('issue 12: held anomalies of an undecided flow stop at 16; later ones are counted at once', () => {
  const { pool, gate, anomalies } = setup();
  gate.onEvent({ t: 'open', tsMicros: 1, info: info(52, 2500) });
  for (let i = 0; i < 17; i++) gate.onEvent({ t: 'anomaly', flow: 52, tsMicros: 2, name: 'flow_seq_jump' });
  assert.deepEqual(anomalies, ['flow_seq_jump'], 'the 17th is counted, not held');
  gate.onEvent({ t: 'data', flow: 52, tsMicros: 3, dir: 's2c', bytes: Buffer.from('220 mx\r\n') });
  gate.onEvent({ t: 'data', flow: 52, tsMicros: 4, dir: 'c2s', bytes: Buffer.from('EHLO a\r\n') });
  assert.equal(pool.sent.filter((e) => e === 'anomaly 52 2 flow_seq_jump').length, 16);
});
