// Worker thread entry: validates the `init` message once, then unpacks each batch into the
// session table and answers with one `batch_done` (records + metric deltas + freed bytes).
// Owns the thread's SessionTable and metric accumulator. Never logs: everything it knows goes
// back to the main thread as records and counters (STYLE §2 decision 3).
import { parentPort } from 'node:worker_threads';
import { z } from 'zod';
import { limitsSchema, outputSchema } from '../config/schema.js';
import type { WorkerConfig, WorkerInbound, WorkerOutbound } from '../dispatch/types.js';
import { PROTOCOL_VERSION } from '../dispatch/types.js';
import { unpackBatch } from '../dispatch/batcher.js';
import { makeMessageParserFactory } from '../mime/index.js';
import { SessionTable } from './session-table.js';
import { MetricDeltaAccumulator } from './metric-deltas.js';

const initSchema = z.object({
  t: z.literal('init'),
  v: z.literal(PROTOCOL_VERSION),
  workerId: z.number().int().min(0),
  config: z.object({
    limits: limitsSchema,
    logPasswords: z.boolean(),
    smtpPorts: z.array(z.number().int().min(0).max(65535)),
    hashes: outputSchema.shape.hashes,
  }),
});

const KNOWN_TYPES = new Set(['init', 'batch', 'shutdown']);

interface WorkerState {
  table: SessionTable | null;
  metrics: MetricDeltaAccumulator;
  /** Messages of unknown type or version, or out of order (batch before init): dropped on purpose. */
  droppedMessages: number;
  badDescriptors: number;
}

function post(msg: WorkerOutbound): void {
  parentPort?.postMessage(msg);
}

function isInbound(raw: unknown): raw is WorkerInbound {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as { t?: unknown; v?: unknown };
  return typeof r.t === 'string' && KNOWN_TYPES.has(r.t) && r.v === PROTOCOL_VERSION;
}

function onInit(st: WorkerState, raw: unknown): void {
  const parsed = initSchema.safeParse(raw);
  if (!parsed.success || st.table !== null) {
    post({ t: 'fatal', v: 1, message: parsed.success ? 'init received twice' : `invalid init: ${parsed.error.message}` });
    return;
  }
  const cfg: WorkerConfig = parsed.data.config;
  const newMessageParser = makeMessageParserFactory({ limits: cfg.limits, hashes: cfg.hashes });
  st.table = new SessionTable(
    { limits: cfg.limits, logPasswords: cfg.logPasswords, smtpPorts: cfg.smtpPorts, newMessageParser },
    st.metrics,
  );
  post({ t: 'ready', v: 1, workerId: parsed.data.workerId });
}

function onMessage(st: WorkerState, raw: unknown): void {
  if (!isInbound(raw)) {
    st.droppedMessages++;
    return;
  }
  const msg = raw;
  switch (msg.t) {
    case 'init':
      onInit(st, raw);
      return;
    case 'batch': {
      const table = st.table;
      if (table === null) {
        st.droppedMessages++;
        return;
      }
      st.badDescriptors += unpackBatch(msg, table);
      for (const flow of table.takeNotSmtp()) post({ t: 'not_smtp', v: 1, flow });
      post({ t: 'batch_done', v: 1, seq: msg.seq, bytes: msg.bytes, records: table.takeRecords(), deltas: st.metrics.take() });
      return;
    }
    case 'shutdown':
      post({ t: 'bye', v: 1, deltas: st.metrics.take(), droppedMessages: st.droppedMessages + st.badDescriptors });
      parentPort?.close();
      return;
    default:
      st.droppedMessages++;
  }
}

if (parentPort !== null) {
  const st: WorkerState = { table: null, metrics: new MetricDeltaAccumulator(), droppedMessages: 0, badDescriptors: 0 };
  parentPort.on('message', (raw: unknown) => onMessage(st, raw));
}
