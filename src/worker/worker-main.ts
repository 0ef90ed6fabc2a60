// Worker thread entry: validates the `init` message once, then unpacks each batch into the
// session table and answers with one `batch_done` (records + metric deltas + freed bytes).
// Owns the thread's SessionTable, metric accumulator and (extract.enabled) Extractor. Never logs: everything it knows goes
// back to the main thread as records and counters (STYLE §2 decision 3).
import { parentPort } from 'node:worker_threads';
import { z } from 'zod';
import { extractSchema, limitsSchema, outputSchema } from '../config/schema.js';
import type { WorkerConfig, WorkerInbound, WorkerOutbound } from '../dispatch/types.js';
import { PROTOCOL_VERSION } from '../dispatch/types.js';
import type { EventName } from '../records/types.js';
import { unpackBatch } from '../dispatch/batch-codec.js';
import { makeMessageParserFactory, type MimeOptions } from '../mime/index.js';
import { SessionTable } from './session-table.js';
import { MetricDeltaAccumulator } from './metric-deltas.js';
import { Extractor } from '../extract/extractor.js';
import type { ExtractCounters } from '../extract/file-writer.js';
import { extractOptionsOf } from '../extract/options.js';

const initSchema = z.object({
  t: z.literal('init'),
  v: z.literal(PROTOCOL_VERSION),
  workerId: z.number().int().min(0),
  config: z.object({
    limits: limitsSchema,
    logPasswords: z.boolean(),
    hashes: outputSchema.shape.hashes,
    headers: outputSchema.shape.headers.optional(),
    extract: extractSchema.extend({ budget: z.instanceof(SharedArrayBuffer).optional() }).optional(),
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

function post(msg: WorkerOutbound, transfer?: ArrayBuffer[]): void {
  parentPort?.postMessage(msg, transfer);
}

function isInbound(raw: unknown): raw is WorkerInbound {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as { t?: unknown; v?: unknown };
  return typeof r.t === 'string' && KNOWN_TYPES.has(r.t) && r.v === PROTOCOL_VERSION;
}

/** The session table of a worker, with the MIME engine and extraction wired as `cfg` says. */
export function createSessionTable(cfg: WorkerConfig, metrics: MetricDeltaAccumulator): SessionTable {
  const ex = cfg.extract;
  const extractor =
    ex !== undefined && ex.enabled
      ? new Extractor(extractOptionsOf(ex), extractCounters(metrics), cfg.hashes.includes('sha256'), ex.budget)
      : undefined;
  const opts: MimeOptions = { limits: cfg.limits, hashes: cfg.hashes, headers: cfg.headers ?? [] };
  if (extractor?.bodyTap !== undefined) opts.bodyTap = extractor.bodyTap;
  const mime = makeMessageParserFactory(opts);
  const newMessageParser = extractor === undefined ? mime : extractor.wrapFactory(mime);
  return new SessionTable(
    { limits: cfg.limits, logPasswords: cfg.logPasswords, newMessageParser },
    metrics,
    extractor,
  );
}

function onInit(st: WorkerState, raw: unknown): void {
  const parsed = initSchema.safeParse(raw);
  if (!parsed.success || st.table !== null) {
    post({ t: 'fatal', v: 1, message: parsed.success ? 'init received twice' : `invalid init: ${parsed.error.message}` });
    return;
  }
  st.table = createSessionTable(parsed.data.config, st.metrics);
  post({ t: 'ready', v: 1, workerId: parsed.data.workerId });
}

/** mailtap_extract_files_total{kind,result} and mailtap_extract_bytes_total through the deltas. */
function extractCounters(m: MetricDeltaAccumulator): ExtractCounters {
  return {
    file: (kind, result) => m.inc('extract_files_total', [kind, result]),
    bytes: (n) => m.inc('extract_bytes_total', [], n),
  };
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
      // The batch's buffers go back to be refilled (no view into them outlives unpackBatch).
      const back: ArrayBuffer[] = [msg.desc.buffer as ArrayBuffer];
      if (msg.payload.byteLength > 0) back.push(msg.payload);
      const records = table.takeRecords();
      const lines: string[] = new Array<string>(records.length);
      const events: EventName[] = new Array<EventName>(records.length);
      for (let i = 0; i < records.length; i++) {
        // Serialised here, on the parsing thread: main only prefixes `time` and writes.
        lines[i] = JSON.stringify(records[i]);
        events[i] = records[i]!.event;
      }
      post({ t: 'batch_done', v: 1, seq: msg.seq, bytes: msg.bytes, lines, events, deltas: st.metrics.take(), payload: msg.payload, desc: msg.desc }, back);
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
