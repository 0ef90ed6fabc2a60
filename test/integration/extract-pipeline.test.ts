// Extraction end to end inside one process: capture file → decode → FlowTable → the worker's own
// SessionTable (createSessionTable, as a worker builds it from its init config) on the seed
// message.pcap and a corpus capture with several attachments. Checks stored bytes against their
// hashes, sidecars, `extracted` on events, and every event against the events schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { fixture } from '../helpers/paths.js';
import { loadConfig } from '../../src/config/load.js';
import { openFileSource } from '../../src/capture/file-source.js';
import { decodePacket, newDecodedSegment } from '../../src/decode/decode-packet.js';
import { FlowTable } from '../../src/flow/flow-table.js';
import type { StreamEvent, StreamSink } from '../../src/flow/types.js';
import { workerConfigOf } from '../../src/cli/pipeline.js';
import { extractWorkerConfigOf } from '../../src/extract/options.js';
import { createSessionTable } from '../../src/worker/worker-main.js';
import { MetricDeltaAccumulator } from '../../src/worker/metric-deltas.js';
import { METRIC_DELTAS_VERSION, deltaOf } from '../../src/dispatch/metric-deltas.js';
import type { MetricDeltas } from '../../src/dispatch/metric-deltas.js';
import type { SessionTable } from '../../src/worker/session-table.js';
import { Metrics } from '../../src/output/metrics.js';

type Obj = Record<string, unknown>;

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile(schema: object): ValidateFunction } }).default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object);

const README_SHA = 'bb5b9dfffcd016cd95ff1804367c73bc61444372cabcb580a4b2ea2054c514cf';

class TableSink implements StreamSink {
  constructor(private readonly table: SessionTable) {}
  onEvent(ev: StreamEvent): void {
    switch (ev.t) {
      case 'open':
        this.table.onOpen(ev.info, ev.tsMicros);
        return;
      case 'data':
        this.table.onData(ev.flow, ev.dir, Buffer.from(ev.bytes), ev.tsMicros);
        return;
      case 'gap':
        this.table.onGap(ev.flow, ev.dir, ev.len, ev.tsMicros);
        return;
      case 'close':
        this.table.onClose(ev.flow, { reason: ev.reason, summary: ev.summary }, ev.tsMicros);
        return;
      case 'anomaly':
        this.table.onAnomaly(ev.flow, ev.detail === undefined ? { name: ev.name } : { name: ev.name, detail: ev.detail }, ev.tsMicros);
        return;
    }
  }
}

interface Run {
  events: Obj[];
  deltas: MetricDeltas;
}

async function readWithExtraction(capture: string, dir: string): Promise<Run> {
  const config = loadConfig({ env: { MAILTAP_EXTRACT_ENABLED: 'true', MAILTAP_EXTRACT_DIRECTORY: dir, MAILTAP_EXTRACT_MESSAGES: 'true' } });
  const metrics = new MetricDeltaAccumulator();
  const table = createSessionTable({ ...workerConfigOf(config), extract: extractWorkerConfigOf(config.extract) }, metrics);
  const flows = new FlowTable({ flows: config.flows, smtpPorts: config.capture.ports }, new TableSink(table));
  const seg = newDecodedSegment();
  let maxTs = 0;
  const source = openFileSource([capture], { onWarning: () => undefined });
  await source.run((frame) => {
    if (frame.tsMicros > maxTs) maxTs = frame.tsMicros;
    if (decodePacket(frame, seg, false) === null) flows.onSegment(seg);
  });
  flows.closeAll('eof', maxTs);
  // Through JSON, as the events writer serialises them, with the writer's `time`.
  const events = table.takeRecords().map((r) => ({ time: new Date().toISOString(), ...(JSON.parse(JSON.stringify(r)) as Obj) }));
  for (const e of events) assert.ok(validate(e), `${JSON.stringify(validate.errors)} in ${JSON.stringify(e).slice(0, 500)}`);
  return { events, deltas: metrics.take() ?? { v: METRIC_DELTAS_VERSION, counters: [], messageBytes: [] } };
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function sidecar(path: string): Obj[] {
  return readFileSync(`${path}.json`, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Obj);
}

test('seed message.pcap: readme.txt and the raw message are extracted under their SHA-256', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-extract-seed-'));
  try {
    const { events, deltas } = await readWithExtraction(fixture('seed', 'message.pcap'), dir);
    const txs = events.filter((e) => e.event === 'smtp_transaction');
    assert.equal(txs.length, 1);
    const t = txs[0]!;
    const m = t.message as Obj;
    const att = (m.attachments as Obj[])[0]!;
    assert.equal(att.filename, 'readme.txt');
    assert.equal(att.extracted, join(dir, 'bb', README_SHA));
    assert.equal(readFileSync(att.extracted as string, 'utf8'), 'abcdedf');
    const msgPath = m.extracted as string;
    assert.equal(sha256File(msgPath), basename(msgPath));
    assert.equal(readFileSync(msgPath).length, t.data_bytes);
    assert.deepEqual(readFileSync(msgPath), readFileSync(fixture('seed', 'message.eml')));
    const [sc] = sidecar(att.extracted as string);
    assert.equal(sc!.uid, t.uid);
    assert.equal(sc!.community_id, t.community_id);
    assert.equal(sc!.mail_from, 'gaoxl@legendsec.com');
    assert.deepEqual(sc!.rcpt_to, t.rcpt_to);
    assert.equal(sc!.subject, 'attach');
    assert.equal(sc!.filename, 'readme.txt');
    assert.equal(sc!.content_type, 'application/octet-stream');
    assert.equal(sc!.size, 7);
    assert.equal(sc!.ts, t.ts);
    assert.equal(deltaOf(deltas, 'extract_files_total', 'attachment', 'stored'), 1);
    assert.equal(deltaOf(deltas, 'extract_files_total', 'message', 'stored'), 1);
    assert.equal(deltaOf(deltas, 'extract_files_total', 'sidecar', 'stored'), 2);
    // The main thread's registry accepts the worker's extraction counters.
    const reg = new Metrics({ defaultMetrics: false });
    reg.applyDeltas({ ...deltas, messageBytes: [] });
    assert.equal(reg.rejectedDeltas, 0);
    const files = await reg.registry.getSingleMetric('mailtap_extract_files_total')!.get();
    assert.equal(files.values.find((v) => v.labels.kind === 'attachment' && v.labels.result === 'stored')?.value, 1);
    const bytes = await reg.registry.getSingleMetric('mailtap_extract_bytes_total')!.get();
    assert.ok((bytes.values[0]?.value ?? 0) > 7);
    assert.deepEqual(readdirSync(join(dir, '.tmp')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corpus capture with several attachments: every extracted file matches its event hash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-extract-corpus-'));
  try {
    const { events } = await readWithExtraction(fixture('corpus', 'suricata-verify', 'tests', 'mime', 'mime-quoted-printable', 'input.pcap'), dir);
    const t = events.find((e) => e.event === 'smtp_transaction')!;
    const atts = (t.message as Obj).attachments as Obj[];
    assert.deepEqual(atts.map((a) => a.filename), ['words.txt', 'related.patch']);
    for (const a of atts) {
      assert.equal(typeof a.extracted, 'string', JSON.stringify(a));
      const p = a.extracted as string;
      assert.equal(basename(p), a.sha256);
      assert.equal(sha256File(p), a.sha256);
      assert.equal(readFileSync(p).length, a.size);
      const lines = sidecar(p);
      assert.ok(lines.some((l) => l.uid === t.uid && l.filename === a.filename && l.sha256 === a.sha256));
    }
    const mp = (t.message as Obj).extracted as string;
    assert.equal(sha256File(mp), basename(mp));
    assert.equal(readFileSync(mp).length, t.data_bytes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corpus capture sending one document in three messages: one file, one sidecar line per sighting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-extract-dedup-'));
  try {
    const { events, deltas } = await readWithExtraction(fixture('corpus', 'suricata-verify', 'tests', 'mime', 'mime-stream-depth', 'input.pcap'), dir);
    const accepted = events.filter((e) => e.event === 'smtp_transaction' && e.status === 'accepted');
    assert.equal(accepted.length, 3);
    const paths = accepted.map((t) => ((t.message as Obj).attachments as Obj[])[0]!.extracted as string);
    assert.equal(new Set(paths).size, 1, 'the same bytes are stored once');
    const p = paths[0]!;
    assert.equal(sha256File(p), basename(p));
    const lines = sidecar(p);
    assert.equal(lines.length, 3);
    assert.deepEqual(lines.map((l) => l.trans_depth), accepted.map((t) => t.trans_depth));
    assert.equal(deltaOf(deltas, 'extract_files_total', 'attachment', 'duplicate'), 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
