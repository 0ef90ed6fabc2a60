// Micro benchmark of the flow stage (not a test): in-order traffic over many flows through one
// reused DecodedSegment (as decodePacket fills it), printing segments/s, once with a complete
// handshake (SYN, SYN-ACK), once with it and the server's ACK after each client segment (as in
// SMTP: the retransmission check keeps each segment until that ACK), and once client-only (SYN and
// data, no server packet: a one-sided feed, whose data since issue 13 item 9 waits the reorder
// window for the SYN-ACK); then a SYN flood to show the per-flow memory. Run: node --expose-gc --import tsx test/bench/flow-bench.ts [flows] [segsPerFlow]
import { FlowTable } from '../../src/flow/flow-table.js';
import type { DecodedSegment } from '../../src/decode/types.js';
import { newDecodedSegment } from '../../src/decode/decode-packet.js';
import { TcpFlags } from '../../src/decode/types.js';
import type { StreamEvent } from '../../src/flow/types.js';
import { flowsConfig } from '../helpers/segments.js';

const FLOWS = Number(process.argv[2] ?? 10_000);
const SEGS = Number(process.argv[3] ?? 50);
const SYN_FLOOD = Number(process.argv[4] ?? 1_000_000);

let events = 0;
let bytes = 0;
const sink = {
  onEvent(ev: StreamEvent): void {
    events++;
    if (ev.t === 'data') bytes += ev.bytes.length;
  },
};

function segment(): DecodedSegment {
  return {
    tsMicros: 1_700_000_000_000_000, family: 4, srcIp4: 0, dstIp4: 0, srcIp6: null, dstIp6: null,
    srcPort: 0, dstPort: 25, seq: 0, ack: 0, flags: 0, window: 65535, payload: Buffer.alloc(0),
    payloadLen: 0, vlanCount: 0, vlan0: 0, vlan1: 0, vlan2: 0,
    ipProto: 6, tunnelCount: 0, tunnelPath: 0, frag: newDecodedSegment().frag,
  };
}

function runInOrder(synAck: boolean, acked = false): void {
  events = 0;
  bytes = 0;
  const ft = new FlowTable({ flows: flowsConfig({ max_flows: FLOWS * 2 }), smtpPorts: [25] }, sink);
  const seg = segment();
  const data = Buffer.alloc(1400, 0x61);
  const empty = Buffer.alloc(0);
  const client = (i: number): void => {
    seg.srcIp4 = (0x0a000000 + i) >>> 0;
    seg.dstIp4 = 0x0a640001;
    seg.srcPort = 1024 + (i % 60000);
    seg.dstPort = 25;
  };
  for (let i = 0; i < FLOWS; i++) {
    client(i);
    seg.seq = i * 7919;
    seg.flags = TcpFlags.SYN;
    seg.payload = empty;
    seg.payloadLen = 0;
    ft.onSegment(seg);
    if (!synAck) continue;
    // The SYN-ACK, from the server (ports and addresses swapped), acknowledging the SYN.
    const [ip, port] = [seg.srcIp4, seg.srcPort];
    seg.srcIp4 = seg.dstIp4;
    seg.srcPort = seg.dstPort;
    seg.dstIp4 = ip;
    seg.dstPort = port;
    seg.ack = (i * 7919 + 1) >>> 0;
    seg.seq = i * 104729;
    seg.flags = TcpFlags.SYN | TcpFlags.ACK;
    ft.onSegment(seg);
    seg.ack = 0;
  }
  const t0 = process.hrtime.bigint();
  let n = 0;
  for (let k = 0; k < SEGS; k++) {
    for (let i = 0; i < FLOWS; i++) {
      client(i);
      seg.tsMicros += 1;
      seg.seq = (i * 7919 + 1 + k * 1400) >>> 0;
      // With server ACKs, the client acknowledges the server's (empty) stream so far.
      seg.ack = acked ? (i * 104729 + 1) >>> 0 : 0;
      seg.flags = TcpFlags.ACK | TcpFlags.PSH;
      seg.payload = data;
      seg.payloadLen = 1400;
      ft.onSegment(seg);
      n++;
      if (!acked) continue;
      // The server's pure ACK of those bytes (addresses and ports swapped).
      seg.srcIp4 = 0x0a640001;
      seg.dstIp4 = (0x0a000000 + i) >>> 0;
      seg.srcPort = 25;
      seg.dstPort = 1024 + (i % 60000);
      seg.seq = (i * 104729 + 1) >>> 0;
      seg.ack = (i * 7919 + 1 + (k + 1) * 1400) >>> 0;
      seg.flags = TcpFlags.ACK;
      seg.payload = empty;
      seg.payloadLen = 0;
      ft.onSegment(seg);
      n++;
    }
    ft.tick(seg.tsMicros);
  }
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`in-order${synAck ? '' : ', client-only'}${acked ? ', server ACKs' : ''}: ${n} segments over ${FLOWS} flows in ${sec.toFixed(3)} s = ${Math.round(n / sec).toLocaleString('en')} segments/s, ${(bytes / sec / 1e6).toFixed(0)} MB/s delivered, ${events} events`);
}

function runSynFlood(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const ft = new FlowTable({ flows: flowsConfig({ max_flows: SYN_FLOOD }), smtpPorts: [25] }, { onEvent: () => undefined });
  const seg = segment();
  seg.flags = TcpFlags.SYN;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < SYN_FLOOD; i++) {
    seg.srcIp4 = (0x0b000000 + (i >>> 8)) >>> 0;
    seg.srcPort = 1024 + (i & 0xff);
    seg.dstIp4 = 0x0a640001;
    seg.seq = i;
    ft.onSegment(seg);
  }
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(`SYN flood: ${SYN_FLOOD} flows in ${sec.toFixed(2)} s, heap +${((after - before) / 1e6).toFixed(0)} MB (${Math.round((after - before) / SYN_FLOOD)} bytes/flow)${gc ? '' : ' (run with --expose-gc for exact numbers)'}; active ${ft.stats().flowsActive}`);
}

runInOrder(true);
runInOrder(true, true);
runInOrder(false);
runSynFlood();
