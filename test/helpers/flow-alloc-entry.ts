// Child-process entry for test/unit/flow/flow-alloc.test.ts (issue 12 item 3: the flow stage's
// per-packet path allocates nothing for in-order traffic). Run with a young generation big enough
// that no scavenge happens during the measured loop (--min-semi-space-size/--max-semi-space-size),
// so heapUsed only grows: its growth over N segments is what the table allocated for them. A GC
// inside the loop would hide allocations, so the run reports whether one happened and the test
// refuses such a run. Buffers (ArrayBuffer backing stores) are counted apart (arrayBuffers).
//
// Traffic: FLOWS connections after their handshake, then rounds of an in-order client segment and
// the server's pure ACK of it, through one reused DecodedSegment (as decodePacket fills it) and a
// sink that counts events and keeps nothing. Sequence numbers stay small so that the harness's own
// stores are small integers (no heap numbers of ours in the figure).
// argv: retransmit_check_kb, segments. Prints one JSON line.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { FlowTable } from '../../src/flow/flow-table.js';
import { newDecodedSegment } from '../../src/decode/decode-packet.js';
import { TcpFlags } from '../../src/decode/types.js';
import type { DecodedSegment } from '../../src/decode/types.js';
import type { StreamEvent } from '../../src/flow/types.js';
import { flowsConfig } from './segments.js';

const FLOWS = 16;
const retainKb = Number(process.argv[2] ?? '64');
const n = Number(process.argv[3] ?? '100000');

let events = 0;
let bytes = 0;
/**
 * The last event escapes (as into a real sink's queues), so the optimiser cannot inline the sink
 * and dissolve a fresh event object into registers: an object made per event is counted.
 */
export let lastEvent: StreamEvent | null = null;
const sink = {
  onEvent(ev: StreamEvent): void {
    events++;
    lastEvent = ev;
    if (ev.t === 'data') bytes += ev.bytes.length;
  },
};

const seg: DecodedSegment = newDecodedSegment();
seg.family = 4;
seg.ipProto = 6;
const data = Buffer.alloc(512, 0x61);
const empty = Buffer.alloc(0);
const ft = new FlowTable({ flows: flowsConfig({ retransmit_check_kb: retainKb }), smtpPorts: [25], uidPrefix: 'a' }, sink);
const clientSeq = new Int32Array(FLOWS);
const serverSeq = new Int32Array(FLOWS);
let ts = 1_000_000;

function fromClient(i: number): void {
  seg.srcIp4 = 0x0a000001 + i;
  seg.dstIp4 = 0x0a640001;
  seg.srcPort = 1024 + i;
  seg.dstPort = 25;
}
function fromServer(i: number): void {
  seg.srcIp4 = 0x0a640001;
  seg.dstIp4 = 0x0a000001 + i;
  seg.srcPort = 25;
  seg.dstPort = 1024 + i;
}

for (let i = 0; i < FLOWS; i++) {
  clientSeq[i] = 1000 + i * 100_000;
  serverSeq[i] = 5000 + i * 100_000;
  fromClient(i);
  seg.tsMicros = ts++;
  seg.seq = clientSeq[i]!;
  seg.ack = 0;
  seg.flags = TcpFlags.SYN;
  seg.payload = empty;
  seg.payloadLen = 0;
  ft.onSegment(seg);
  fromServer(i);
  seg.tsMicros = ts++;
  seg.seq = serverSeq[i]!;
  seg.ack = clientSeq[i]! + 1;
  seg.flags = TcpFlags.SYN | TcpFlags.ACK;
  ft.onSegment(seg);
  clientSeq[i]! += 1;
  serverSeq[i]! += 1;
}

/** One round: each flow's client sends 512 bytes in order, its server acknowledges them. */
function round(): void {
  for (let i = 0; i < FLOWS; i++) {
    fromClient(i);
    seg.tsMicros = ts++;
    seg.seq = clientSeq[i]!;
    seg.ack = serverSeq[i]!;
    seg.flags = TcpFlags.ACK | TcpFlags.PSH;
    seg.payload = data;
    seg.payloadLen = data.length;
    ft.onSegment(seg);
    clientSeq[i]! += data.length;
    fromServer(i);
    seg.tsMicros = ts++;
    seg.seq = serverSeq[i]!;
    seg.ack = clientSeq[i]!;
    seg.flags = TcpFlags.ACK;
    seg.payload = empty;
    seg.payloadLen = 0;
    ft.onSegment(seg);
  }
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
// Warm up: compiled code, inline caches, any lazily made per-flow state and scratch arrays.
for (let k = 0; k < 2000; k++) round();
let gcs = 0;
let loopStart = Infinity;
let loopEnd = Infinity;
// Only collections that started inside the measured loop count (the forced ones before it are
// reported late, asynchronously).
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.startTime >= loopStart && e.startTime <= loopEnd) gcs++;
});
obs.observe({ entryTypes: ['gc'] });
gc();
gc();
await new Promise((r) => setImmediate(r));
const before = process.memoryUsage();
loopStart = performance.now();
const rounds = Math.ceil(n / (2 * FLOWS));
for (let k = 0; k < rounds; k++) round();
loopEnd = performance.now();
const after = process.memoryUsage();
await new Promise((r) => setImmediate(r));
obs.disconnect();
const segments = rounds * 2 * FLOWS;
process.stdout.write(`${JSON.stringify({
  segments,
  events,
  bytes,
  gcDuringLoop: gcs,
  heapPerSegment: (after.heapUsed - before.heapUsed) / segments,
  arrayBuffersPerSegment: (after.arrayBuffers - before.arrayBuffers) / segments,
})}\n`);
