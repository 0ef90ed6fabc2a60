// A stand-in worker for the pool tests (not a test file): speaks the real protocol, counts each
// flow's data bytes and reports them on close as an anomaly record. Data "CRASH" kills the thread,
// "SLOW<n>" blocks it n ms; an init with workerId 99 is refused.
import { parentPort } from 'node:worker_threads';
import { unpackBatch } from '../../../src/dispatch/batch-codec.js';
import type { WorkerInbound, WorkerOutbound } from '../../../src/dispatch/types.js';
import { buildAnomalyRecord } from '../../../src/records/records.js';
import type { EventRecord } from '../../../src/records/types.js';
import type { FlowOpenInfo } from '../../../src/flow/types.js';

if (parentPort !== null) {
  const port = parentPort;
  const flows = new Map<number, { info: FlowOpenInfo; bytes: number; text: string }>();
  const post = (m: WorkerOutbound): void => port.postMessage(m);
  port.on('message', (msg: WorkerInbound) => {
    switch (msg.t) {
      case 'init':
        if (msg.workerId === 99) post({ t: 'fatal', v: 1, message: 'refused' });
        else post({ t: 'ready', v: 1, workerId: msg.workerId });
        return;
      case 'batch': {
        const records: EventRecord[] = [];
        unpackBatch(msg, {
          onOpen: (info) => void flows.set(info.flow, { info, bytes: 0, text: '' }),
          onData: (flow, _dir, bytes) => {
            const f = flows.get(flow);
            const s = bytes.toString('latin1');
            if (s === 'CRASH') process.exit(1);
            if (s.startsWith('SLOW')) {
              const until = Date.now() + Number(s.slice(4));
              while (Date.now() < until) { /* busy */ }
            }
            if (f !== undefined) {
              f.bytes += bytes.length;
              if (f.text.length < 64) f.text += s;
            }
          },
          onGap: () => {},
          onAnomaly: (flow, a, ts) => {
            const f = flows.get(flow);
            if (f !== undefined) records.push(buildAnomalyRecord(f.info, a.name, ts, a.detail));
          },
          onClose: (flow, _c, ts) => {
            const f = flows.get(flow);
            if (f === undefined) return;
            flows.delete(flow);
            records.push(buildAnomalyRecord(f.info, 'flow_gap', ts, `${f.bytes}`));
          },
        });
        post({ t: 'batch_done', v: 1, seq: msg.seq, bytes: msg.bytes, lines: records.map((r) => JSON.stringify(r)), events: records.map((r) => r.event), deltas: { v: 2, counters: [{ name: 'mime_parts_total', labels: [], n: msg.count }], messageBytes: [] } });
        return;
      }
      case 'shutdown':
        post({ t: 'bye', v: 1, deltas: null, droppedMessages: 0 });
        port.close();
        return;
    }
  });
}
