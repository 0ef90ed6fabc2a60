// Child-process entry (run with --expose-gc) that measures the heap of many idle connections, as
// test/unit/smtp/session-memory.test.ts and test/bench/flow-memory-bench.ts ask:
//   worker N  - N SmtpSessions in a SessionTable (the worker's share), each after a banner, an EHLO
//               and its multi-line reply, nothing pending;
//   main N    - N connections through the main thread's FlowTable and SmtpGate (port 25, so the gate
//               forwards them) with a recording pool: handshake, banner, EHLO, reply.
// Prints one JSON line: { n, heapPerFlow, externalPerFlow, totalPerFlow } (bytes, after a full GC).
import { SessionTable } from '../../src/worker/session-table.js';
import { MetricDeltaAccumulator } from '../../src/worker/metric-deltas.js';
import { defaultConfig } from '../../src/config/schema.js';
import type { FlowOpenInfo } from '../../src/flow/types.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import { SmtpGate } from '../../src/dispatch/smtp-gate.js';
import type { GatePool } from '../../src/dispatch/smtp-gate.js';
import { stubMessageParsers } from './stub-message-parser.js';
import { Conn } from './segments.js';

const BANNER = Buffer.from('220 mx.example.net ESMTP Postfix (Debian/GNU)\r\n');
const EHLO = Buffer.from('EHLO client.example.org\r\n');
const REPLY = Buffer.from('250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 4; i++) g();
}

function usage(): { heap: number; external: number } {
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external };
}

/** Fresh strings per flow, as the worker's unpackBatch makes them. */
function info(i: number): FlowOpenInfo {
  return {
    flow: i + 1, uid: `CbQ2Vn${(i + 1).toString(36)}`, communityId: `1:${(1e9 + i).toString(36)}wCb3OG7yAFWelaUyd=`,
    client: { ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 60000) }, server: { ip: '198.51.100.25', port: 25 }, vlan: [], midstream: false,
  };
}

function worker(n: number): unknown[] {
  const table = new SessionTable(
    { limits: defaultConfig().limits, logPasswords: false, newMessageParser: stubMessageParsers().factory },
    new MetricDeltaAccumulator(),
  );
  const keep: unknown[] = [table];
  for (let i = 0; i < n; i++) {
    table.onOpen(info(i), 1_700_000_000_000_000 + i);
    table.onData(i + 1, 's2c', BANNER, 1_700_000_000_000_000 + i);
    table.onData(i + 1, 'c2s', EHLO, 1_700_000_000_000_100 + i);
    table.onData(i + 1, 's2c', REPLY, 1_700_000_000_000_200 + i);
    if (i % 1000 === 999) table.takeRecords();
  }
  table.takeRecords();
  return keep;
}

function main(n: number): unknown[] {
  const events: number[] = [];
  const pool: GatePool = {
    open: () => events.push(0),
    data: () => events.push(1),
    gap: () => events.push(2),
    close: () => events.push(3),
    anomaly: () => events.push(4),
    workerOf: () => 0,
    pendingSeqOf: () => 0,
    isDone: () => true,
  } as unknown as GatePool;
  const gate = new SmtpGate({ smtpPorts: [25], pendingBytesPerFlow: 16384, pendingBytesTotal: 64 << 20 }, pool, { anomaly: () => undefined });
  const table = new FlowTable({ flows: defaultConfig().flows, smtpPorts: [25], uidPrefix: 'x' }, gate);
  for (let i = 0; i < n; i++) {
    // ISNs spread over the 32-bit space, as real ones are (half of them beyond a small integer).
    const c = new Conn(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${1024 + (i % 60000)}`, '198.51.100.25:25', Math.imul(i + 1, 2654435761) >>> 0, Math.imul(i + 7, 40503) >>> 0, 1_700_000_000_000_000 + i * 10_000);
    const segs = [...c.handshake(), c.s(0, BANNER), c.c(0, EHLO, { ack: BANNER.length }), c.s(BANNER.length, REPLY, { ack: EHLO.length }), c.c(EHLO.length, '', { ack: BANNER.length + REPLY.length })];
    for (const seg of segs) table.onSegment(seg);
    if (events.length > 1000) events.length = 0;
  }
  return [gate, table];
}

const [mode, nText] = process.argv.slice(2);
const n = Number(nText ?? '10000');
// Warm up the code paths (compiled code, interned strings) before the baseline.
const warm = mode === 'main' ? main(200) : worker(200);
const before = usage();
const kept = mode === 'main' ? main(n) : worker(n);
const after = usage();
// Still reachable after the report (a heap snapshot taken by the caller sees them).
(globalThis as { idleMemoryKept?: unknown }).idleMemoryKept = [kept, warm];
const heapPerFlow = (after.heap - before.heap) / n;
const externalPerFlow = (after.external - before.external) / n;
process.stdout.write(`${JSON.stringify({ mode, n, heapPerFlow: Math.round(heapPerFlow), externalPerFlow: Math.round(externalPerFlow), totalPerFlow: Math.round(heapPerFlow + externalPerFlow), kept: kept.length + warm.length })}\n`);
