import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventsWriter } from '../../../src/output/events-writer.js';
import { buildAnomalyRecord } from '../../../src/records/records.js';
import type { FlowOpenInfo } from '../../../src/flow/types.js';
import type { EventName, EventRecord } from '../../../src/records/types.js';

const info: FlowOpenInfo = {
  flow: 1, uid: 'Cabc', communityId: '1:wCb3OG7yAFWelaUydu0D+125CLM=',
  client: { ip: '192.0.2.10', port: 1470 }, server: { ip: '198.51.100.25', port: 25 }, vlan: [], midstream: false,
};

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

test('lines are NDJSON with `time` first and no level, pid or hostname', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-ew-'));
  try {
    const path = join(dir, 'events.ndjson');
    const seen: EventName[] = [];
    const w = new EventsWriter({ path, fileMode: '0600', onWritten: (e) => seen.push(e) });
    const rec = buildAnomalyRecord(info, 'flow_gap', 1705309200123456, 'd "quoted" \u00e9');
    w.write(rec);
    w.writeAll([rec, rec]);
    await w.close();
    w.write(rec); // after close: dropped
    assert.equal(w.written, 3);
    assert.deepEqual(seen, ['anomaly', 'anomaly', 'anomaly']);
    const text = readFileSync(path, 'utf8');
    assert.ok(text.endsWith('\n'));
    const lines = text.split('\n').slice(0, -1);
    assert.equal(lines.length, 3);
    for (const line of lines) {
      assert.ok(line.startsWith('{"time":"'), line);
      const obj = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(obj), ['time', ...Object.keys(rec)]);
      assert.match(String(obj.time), TIME);
      assert.equal(obj.detail, 'd "quoted" \u00e9');
      assert.equal(obj.ts, '2024-01-15T09:00:00.123456Z');
    }
    assert.equal(statSync(path).mode & 0o777, 0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('appends to an existing file and reopen() keeps writing to the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-ew-'));
  try {
    const path = join(dir, 'events.ndjson');
    const a = new EventsWriter({ path, fileMode: '0640', bufferBytes: 0 });
    a.write(buildAnomalyRecord(info, 'flow_gap', 0));
    await a.close();
    const b = new EventsWriter({ path, fileMode: '0640', bufferBytes: 0 });
    b.write(buildAnomalyRecord(info, 'flow_memcap', 0));
    b.reopen();
    b.write(buildAnomalyRecord(info, 'flow_seq_jump', 0));
    await b.close();
    const names = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { name: string }).name);
    assert.deepEqual(names, ['flow_gap', 'flow_memcap', 'flow_seq_jump']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('standard output: every line is out when close() resolves, even with an immediate exit', () => {
  const mod = new URL('../../../src/output/events-writer.js', import.meta.url).href;
  const script = `
    import { EventsWriter } from ${JSON.stringify(mod)};
    const w = new EventsWriter({ path: '-', fileMode: '0640' });
    const rec = { ts: 't', event: 'anomaly', uid: 'C', community_id: 'x', src_ip: 'a', src_port: 1, dst_ip: 'b', dst_port: 2, name: 'flow_gap', detail: 'x'.repeat(200) };
    for (let i = 0; i < 20000; i++) w.write({ ...rec, n: i });
    await w.close();
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 20000);
  assert.equal((JSON.parse(lines[19999]!) as { n: number }).n, 19999);
});

interface Counts { written: number; dropped: number; failing: string[]; recovered: number[] }

function countingWriter(path: string, extra: { bufferBytes?: number } = {}): { w: EventsWriter; c: Counts } {
  const c: Counts = { written: 0, dropped: 0, failing: [], recovered: [] };
  const w = new EventsWriter({
    path, fileMode: '0600', retryMinMs: 30, retryMaxMs: 60, ...extra,
    onWritten: () => c.written++,
    onDropped: () => c.dropped++,
    onFailing: (err) => c.failing.push(String(err.code)),
    onRecovered: (dropped) => c.recovered.push(dropped),
  });
  return { w, c };
}

function numbered(n: number): EventRecord {
  return { ...buildAnomalyRecord(info, 'flow_gap', 0, 'x'.repeat(300)), n } as unknown as EventRecord;
}

/** Every line of the file parses (no half line) and carries an increasing `n`. */
function fileNumbers(path: string): number[] {
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), 'the file ends with a whole line');
  const ns = text.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { n: number }).n);
  for (let i = 1; i < ns.length; i++) assert.ok(ns[i]! > ns[i - 1]!, 'lines in order, none twice');
  return ns;
}

test('the directory of the events file disappears: reopen fails once per episode, events are dropped and counted, writing resumes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-ew-'));
  try {
    const sub = join(dir, 'log');
    mkdirSync(sub);
    const path = join(sub, 'events.ndjson');
    const { w, c } = countingWriter(path, { bufferBytes: 0 });
    let n = 0;
    for (let i = 0; i < 5; i++) w.write(numbered(n++));
    assert.equal(c.written, 5);
    rmSync(sub, { recursive: true });
    w.reopen(); // SIGHUP after logrotate, with the directory gone: ENOENT
    assert.deepEqual(c.failing, ['ENOENT']);
    assert.equal(w.failing, true);
    for (let i = 0; i < 50; i++) w.write(numbered(n++));
    assert.equal(c.dropped, 50, 'refused during the back-off, never buffered');
    await new Promise((r) => setTimeout(r, 50));
    w.write(numbered(n++)); // an attempt after the back-off: still no directory
    assert.equal(c.dropped, 51);
    assert.deepEqual(c.failing, ['ENOENT'], 'logged once for the whole episode');
    mkdirSync(sub);
    await new Promise((r) => setTimeout(r, 130));
    const resumedAt = n;
    for (let i = 0; i < 5; i++) w.write(numbered(n++));
    await w.close();
    assert.equal(w.failing, false);
    assert.deepEqual(c.recovered, [51]);
    assert.equal(c.written, 10);
    assert.equal(w.written, 10);
    assert.equal(w.dropped, 51);
    assert.deepEqual(fileNumbers(path), [resumedAt, resumedAt + 1, resumedAt + 2, resumedAt + 3, resumedAt + 4]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('buffered lines reach the file within maxDelayMs without a flush() call', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-ew-'));
  try {
    const path = join(dir, 'events.ndjson');
    const w = new EventsWriter({ path, fileMode: '0600', maxDelayMs: 20 });
    w.write(numbered(1));
    assert.equal(readFileSync(path, 'utf8'), '', 'buffered');
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(fileNumbers(path), [1]);
    assert.equal(w.written, 1);
    await w.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
