// Fuzz target: the flow table and TCP reassembler, with small caps (1 KiB per flow, 3 KiB for
// all, 3 flows) so every limit is reached. Input: a list of segments (segment-codec.ts), up to 4
// connections. Oracles: no throw; held bytes within the global cap and open flows within
// max_flows after every segment; per flow: one open first, one close last, no empty data or gap,
// close totals equal the data and gap events; nothing held or open after closeAll.
import { FlowTable } from '../../../src/flow/flow-table.js';
import type { FlowId, StreamEvent, StreamSink } from '../../../src/flow/types.js';
import { DEFAULT_FLOWS } from './limits.js';
import { oracle } from '../engine/target.js';
import type { FuzzTarget } from '../engine/target.js';
import { captureFiles, readFile, readSegments } from './corpus-seeds.js';
import { decodeSegments, encodeSegments } from './segment-codec.js';

const MEMCAP_BYTES = 3 * 1024;
const MAX_FLOWS = 3;
const SEGMENTS_PER_SEED = 60;
const flows = { ...DEFAULT_FLOWS, per_flow_holdback_kb: 1, memcap_mb: MEMCAP_BYTES / (1024 * 1024), max_flows: MAX_FLOWS, idle_timeout_s: 1 };

interface FlowLog {
  state: 'open' | 'closed';
  c2s: number;
  s2c: number;
  gaps: number;
}

class CheckingSink implements StreamSink {
  readonly flows = new Map<FlowId, FlowLog>();
  onEvent(ev: StreamEvent): void {
    if (ev.t === 'open') {
      oracle(!this.flows.has(ev.info.flow), `flow ${ev.info.flow} opened twice`);
      this.flows.set(ev.info.flow, { state: 'open', c2s: 0, s2c: 0, gaps: 0 });
      return;
    }
    const f = this.flows.get(ev.flow);
    oracle(f !== undefined && f.state === 'open', `${ev.t} on flow ${ev.flow} outside open..close`);
    const log = f!;
    switch (ev.t) {
      case 'data':
        oracle(ev.bytes.length > 0, 'empty data event');
        log[ev.dir] += ev.bytes.length;
        break;
      case 'gap':
        oracle(ev.len > 0 && Number.isFinite(ev.len), `gap of ${ev.len}`);
        log.gaps += ev.len;
        break;
      case 'close':
        oracle(ev.summary.bytesClient === log.c2s && ev.summary.bytesServer === log.s2c, 'close totals differ from the data events');
        oracle(ev.summary.gapBytes === log.gaps, `close gapBytes ${ev.summary.gapBytes} but gap events ${log.gaps}`);
        log.state = 'closed';
        break;
      case 'anomaly':
        break;
    }
  }
}

export const target: FuzzTarget = {
  name: 'reassembler',
  coverage: ['/src/flow/'],
  maxLen: 4096,
  dictionary: ['\x02', '\x12', '\x10', '\x18', '\x11', '\x19', '\x04', '\x14', '\x00\x00', '\xff\xff', '\x05\xb4', '\x80\x00'],
  seeds() {
    const seeds: Buffer[] = [];
    for (const path of captureFiles()) {
      const segs = readSegments(readFile(path));
      if (segs.length > 0) seeds.push(encodeSegments(segs.slice(0, SEGMENTS_PER_SEED)).subarray(0, this.maxLen));
    }
    return seeds;
  },
  run(input) {
    const sink = new CheckingSink();
    const ft = new FlowTable({ flows, smtpPorts: [25] }, sink);
    let n = 0;
    let ts = 0;
    for (const seg of decodeSegments(input)) {
      ft.onSegment(seg);
      ts = seg.tsMicros;
      const st = ft.stats();
      oracle(st.holdbackBytes <= MEMCAP_BYTES, `holdback ${st.holdbackBytes} > memcap ${MEMCAP_BYTES}`);
      oracle(st.flowsActive <= MAX_FLOWS, `${st.flowsActive} flows > max_flows ${MAX_FLOWS}`);
      if ((++n & 7) === 0) ft.tick(ts);
    }
    ft.closeAll('eof', ts + 1);
    const st = ft.stats();
    oracle(st.holdbackBytes === 0 && st.flowsActive === 0, 'bytes held or flows open after closeAll');
    for (const [id, f] of sink.flows) oracle(f.state === 'closed', `flow ${id} never closed`);
  },
};
