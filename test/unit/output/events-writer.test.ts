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

/**
 * Runs `body` in a child whose standard output is an EventsWriter; the child's findings come back
 * as the last line of its standard error (JSON), its events on standard output.
 */
function stdoutChild(body: string): { lines: string[]; report: Record<string, unknown> } {
  const mod = new URL('../../../src/output/events-writer.js', import.meta.url).href;
  const script = `
    import { EventsWriter } from ${JSON.stringify(mod)};
    const line = (i) => JSON.stringify({ event: i % 2 === 0 ? 'smtp_transaction' : 'anomaly', n: i, pad: 'x'.repeat(1000) });
    const eventOf = (i) => (i % 2 === 0 ? 'smtp_transaction' : 'anomaly');
    ${body}
  `;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '', 'standard output ends with a whole line');
  const errLines = r.stderr.trim().split('\n');
  return { lines, report: JSON.parse(errLines[errLines.length - 1]!) as Record<string, unknown> };
}

test('standard output with a cap: a reader that falls behind loses counted lines, never whole memory (issue 12)', () => {
  // 4,000 lines of ~1 KiB written in one turn of the event loop: sonic-boom cannot write any of
  // them before the loop ends, so everything past the 256 KiB cap is dropped, by event.
  const { lines, report } = stdoutChild(`
    const dropped = { smtp_transaction: 0, anomaly: 0 };
    let episodes = 0, recovered = [];
    const w = new EventsWriter({ path: '-', fileMode: '0640', stdoutMaxBytes: 256 * 1024,
      onDropped: (e) => dropped[e]++, onStdoutDropping: () => episodes++, onStdoutRecovered: (n) => recovered.push(n) });
    for (let i = 0; i < 4000; i++) w.writeSerialized([line(i)], [eventOf(i)]);
    const during = { written: w.written, dropped: w.dropped };
    await w.close();
    process.stderr.write(JSON.stringify({ during, dropped, episodes, recovered }) + '\\n');
  `);
  const during = report['during'] as { written: number; dropped: number };
  const dropped = report['dropped'] as Record<string, number>;
  assert.equal(during.written + during.dropped, 4000);
  assert.ok(during.dropped > 3000, `most lines past the cap are dropped: ${during.dropped}`);
  assert.ok(during.written >= 200 && during.written <= 260, `about 256 KiB kept: ${during.written} lines`);
  assert.equal(dropped['smtp_transaction']! + dropped['anomaly']!, during.dropped, 'every drop counted by its event');
  assert.ok(dropped['smtp_transaction']! > 0 && dropped['anomaly']! > 0);
  assert.equal(report['episodes'], 1, 'the episode is reported once');
  assert.deepEqual(report['recovered'], [during.dropped], 'its end says how many were lost');
  assert.equal(lines.length, during.written, 'what was counted written reached standard output');
  const ns = lines.map((l) => (JSON.parse(l) as { n: number }).n);
  assert.deepEqual(ns, [...ns].sort((a, b) => a - b), 'in order, whole lines only');
});

test('standard output without a cap (`read`): waitForDrain() paces the writer and nothing is lost', () => {
  const { lines, report } = stdoutChild(`
    const w = new EventsWriter({ path: '-', fileMode: '0640' });
    let waits = 0, dropped = 0;
    const before = w.waitForDrain();
    for (let round = 0; round < 40; round++) {
      for (let i = round * 100; i < round * 100 + 100; i++) w.writeSerialized([line(i)], [eventOf(i)]);
      const p = w.waitForDrain();
      if (p !== undefined) { waits++; await p; }
      if (w.waitForDrain() !== undefined) process.exit(3); // drained means drained
    }
    await w.close();
    process.stderr.write(JSON.stringify({ idleWait: before === undefined, waits, written: w.written, dropped: w.dropped }) + '\\n');
  `);
  assert.equal(report['idleWait'], true, 'nothing to wait for before any line');
  assert.equal(report['waits'], 40, 'every round of 100 KiB passes the 16 KiB mark and waits');
  assert.equal(report['written'], 4000);
  assert.equal(report['dropped'], 0);
  assert.equal(lines.length, 4000);
});
