import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpGate, type GatePool } from '../../../src/dispatch/smtp-gate.js';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { Conn, flowsConfig } from '../../helpers/segments.js';

// Issue 12 item 2 (flow-table side): the gate stops a flow only by answering IGNORE; the FlowTable
// applies it itself. Wired as cli/pipeline.ts wires them (the table built with the gate as its
// sink, nothing attached afterwards, no flush by the packet loop).

function pool(sent: string[]): GatePool {
  return {
    open: (info) => void sent.push(`open ${info.flow}`),
    data: (flow, _ts, dir, bytes) => {
      sent.push(`data ${flow} ${dir} ${bytes.toString('latin1')}`);
      return true;
    },
    gap: (flow, _ts, dir, len) => void sent.push(`gap ${flow} ${dir} ${len}`),
    close: (flow, _ts, c) => void sent.push(`close ${flow} ${c.reason}`),
    anomaly: (flow, _ts, a) => void sent.push(`anomaly ${flow} ${a.name}`),
    workerOf: () => 0,
    pendingSeqOf: () => 0,
    isDone: () => true,
  } as GatePool;
}

test('a flow whose worker died: its next event is answered IGNORE, the table drops what it held and delivers nothing more', () => {
  const sent: string[] = [];
  const gate = new SmtpGate({ smtpPorts: [25], pendingBytesPerFlow: 16384, pendingBytesTotal: 1 << 20 }, pool(sent), { anomaly: () => undefined });
  const table = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, gate);
  const c = new Conn();
  for (const s of c.handshake()) table.onSegment(s);
  table.onSegment(c.s(0, '220 mx\r\n'));
  table.onSegment(c.c(6, 'later', { ack: 8 })); // a hole before it: held back
  assert.equal(table.stats().holdbackBytes, 5);
  assert.equal(gate.onWorkerRestart(0).length, 1);
  assert.equal(table.stats().holdbackBytes, 5, 'nothing calls the table back');
  table.onSegment(c.c(0, 'EH', { ack: 8 })); // part of the hole: its data event meets the verdict
  assert.equal(table.stats().holdbackBytes, 0, 'the held bytes beyond the rest of the hole are dropped');
  table.onSegment(c.s(8, '250 ok\r\n', { ack: 11 }));
  table.closeAll('eof');
  assert.deepEqual(sent, ['open 1', 'data 1 s2c 220 mx\r\n']);
});

test('a flow the gate rejects: the deciding event stops it within the same segment', () => {
  const sent: string[] = [];
  const gate = new SmtpGate({ smtpPorts: [25], pendingBytesPerFlow: 16384, pendingBytesTotal: 1 << 20 }, pool(sent), { anomaly: () => undefined });
  const table = new FlowTable({ flows: flowsConfig(), smtpPorts: [25], uidPrefix: 'x' }, gate);
  const c = new Conn('192.0.2.1:40000', '198.51.100.2:80');
  for (const s of c.handshake()) table.onSegment(s);
  table.onSegment(c.c(40, 'held'));
  assert.equal(table.stats().holdbackBytes, 4);
  table.onSegment(c.c(0, 'GET / HTTP/1.1\r\nHost: x\r\n')); // 25 bytes: a hole remains before the held ones
  assert.equal(table.stats().holdbackBytes, 0, 'dropped when the segment ended');
  assert.equal(gate.stats.rejected, 1);
  table.closeAll('eof');
  assert.deepEqual(sent, []);
  assert.equal(gate.openFlows, 0);
});
