// Issue 13 item 5: a SYN (or SYN-ACK) retransmitted with a new initial sequence number. A stack
// that gives up on a half-open attempt may send a fresh SYN with a new ISN on the same 4-tuple;
// the handshake that completes acknowledges one of them, and that one numbers the data. Keeping
// the first ISN dropped the client's data (flow_seq_jump) or invented a gap of the ISN difference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { Conn, F, Recorder, flowsConfig } from '../../helpers/segments.js';
import type { DecodedSegment } from '../../../src/decode/types.js';

function run(segs: DecodedSegment[]): Recorder {
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, rec);
  for (const s of segs) ft.onSegment(s);
  ft.closeAll('eof');
  return rec;
}

/** Two views of one 4-tuple with different ISNs; their clocks follow each other. */
function pair(cIsn1: number, sIsn1: number, cIsn2: number, sIsn2: number): [Conn, Conn] {
  const a = new Conn('10.0.0.1:40000', '10.0.0.2:25', cIsn1, sIsn1);
  const b = new Conn('10.0.0.1:40000', '10.0.0.2:25', cIsn2, sIsn2);
  return [a, b];
}

function session(c: Conn): DecodedSegment[] {
  return [c.c(0, '', {}), c.s(0, '220 hi\r\n'), c.c(0, 'EHLO a\r\n', { ack: 8 }), c.s(8, '250 ok\r\n', { ack: 8 })];
}

for (const [name, isn2] of [
  ['far (a seq jump today)', 1000 + 0x60000000],
  ['near (a 20,000-byte gap today)', 21000],
] as const) {
  test(`a SYN retransmitted with a new ISN, ${name}: the ISN the SYN-ACK acknowledges numbers the data`, () => {
    const [a, b] = pair(1000, 5000, isn2, 5000);
    const first = a.syn();
    b.ts = a.ts;
    const rec = run([first, b.syn(), b.synAck(), ...session(b)]);
    const flow = rec.of('open')[0]!.info.flow;
    assert.equal(rec.stream(flow, 'c2s'), 'EHLO a\r\n');
    assert.equal(rec.stream(flow, 's2c'), '220 hi\r\n250 ok\r\n');
    assert.deepEqual(rec.anomalies(), []);
    assert.equal(rec.of('close')[0]!.summary.gapBytes, 0);
  });
}

test('the SYN-ACK acknowledges the first of two SYNs: the first ISN stays', () => {
  const [a, b] = pair(1000, 5000, 21000, 5000);
  const rec = run([a.syn(), b.syn(), a.synAck(), ...session(a)]);
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 'c2s'), 'EHLO a\r\n');
  assert.equal(rec.of('close')[0]!.summary.gapBytes, 0);
});

test('a SYN-ACK retransmitted with a new ISN: the one the client ACKs numbers the server data', () => {
  for (const sIsn2 of [5000 + 0x50000000, 9000]) {
    const [a, b] = pair(1000, 5000, 1000, sIsn2);
    const rec = run([a.syn(), a.synAck(), b.synAck(), ...session(b)]);
    const flow = rec.of('open')[0]!.info.flow;
    assert.equal(rec.stream(flow, 's2c'), '220 hi\r\n250 ok\r\n', String(sIsn2));
    assert.equal(rec.stream(flow, 'c2s'), 'EHLO a\r\n', String(sIsn2));
    assert.deepEqual(rec.anomalies(), [], String(sIsn2));
    assert.equal(rec.of('close')[0]!.summary.gapBytes, 0);
  }
});

test('an ACK for an ISN no SYN carried changes nothing (no re-anchoring on a stray ACK)', () => {
  const c = new Conn();
  const stray = new Conn('10.0.0.1:40000', '10.0.0.2:25', 1000, 3000);
  const rec = run([c.syn(), c.synAck(), stray.c(0, '', { flags: F.ACK }), ...session(c)]);
  const flow = rec.of('open')[0]!.info.flow;
  assert.equal(rec.stream(flow, 's2c'), '220 hi\r\n250 ok\r\n');
});
