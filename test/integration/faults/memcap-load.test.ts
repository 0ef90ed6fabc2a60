// Issue 8, faults: memory caps reached under load. A generated capture with 40 concurrent big
// transfers is edited so that one early DATA segment of every connection arrives only at the end
// of the capture: each connection must hold back everything after its hole, and with small caps
// (flows.per_flow_holdback_kb 64, flows.memcap_mb 1) the holdback overflows. `mailtap read` (its
// own process, under /usr/bin/time) must drop and count those bytes (dropped_bytes_total{memcap},
// flow_memcap), mark exactly the transactions whose holdback overflowed `incomplete`, report every
// other one as a run with the default caps does, and keep its peak RSS within the stated bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePcap, serializePcap } from '../../helpers/pcap-edit.js';
import { SHARED, fixture } from '../../helpers/paths.js';
import { ndjson } from '../../helpers/run-cli.js';

type Json = Record<string, unknown>;

const GENERATOR = join(SHARED, 'tools', 'gen-smtp-pcap.py');
const SMTP_PORTS = new Set([25, 587]);
/** The client payload segment of each connection that is held back to the end (inside DATA). */
const DELAYED_SEGMENT = 12;
const CAPS = { MAILTAP_FLOWS_PER_FLOW_HOLDBACK_KB: '64', MAILTAP_FLOWS_MEMCAP_MB: '1', MAILTAP_WORKERS_QUEUE_MB: '4' };
/**
 * Peak RSS allowed above the same process reading a one-session capture: the caps (1 MiB of
 * holdback, 2 × 4 MiB of worker queue) plus room for V8's young generation and the batches and
 * MIME block buffers in flight. Without the caps this capture would hold ~16 MiB back.
 */
const RSS_ALLOWANCE_KB = 96 * 1024;

const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
const ENTRY = new URL(`./read-entry.${ext}`, import.meta.url).pathname;

interface ReadResult { code: number | null; events: Json[]; stderr: string; metrics: string; peakKb: number }

function read(pcap: string, dir: string, env: Record<string, string>): Promise<ReadResult> {
  const metricsFile = join(dir, `metrics-${Math.random().toString(36).slice(2)}.txt`);
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MAILTAP_')) clean[k] = v;
  return new Promise((resolve, reject) => {
    // /usr/bin/time prints the peak RSS (kB) as the last line of stderr.
    const child = spawn('/usr/bin/time', ['-f', 'peak_rss_kb=%M', process.execPath, ...execArgv, ENTRY, 'read', '--workers', '2', pcap], {
      env: { ...clean, ...env, FAULT_METRICS_FILE: metricsFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /peak_rss_kb=(\d+)/.exec(err);
      let metrics = '';
      try {
        metrics = readFileSync(metricsFile, 'utf8');
      } catch {
        // no metrics: the assertions on `code` report why
      }
      resolve({ code, events: ndjson(Buffer.concat(out)), stderr: err, metrics, peakKb: m === null ? NaN : Number(m[1]) });
    });
  });
}

function metric(text: string, series: string): number {
  for (const line of text.split('\n')) if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return NaN;
}

/** Moves the DELAYED_SEGMENT-th client payload segment of every IPv4 SMTP connection to the end; returns client port → payload segments of the connections hit. */
function delayOneSegmentPerFlow(buf: Buffer): { pcap: Buffer; segments: Map<number, number> } {
  const p = parsePcap(buf);
  const seen = new Map<number, number>();
  const kept = [];
  const moved = [];
  for (const r of p.records) {
    const d = r.data;
    if (d.length < 54 || d.readUInt16BE(12) !== 0x0800 || d[23] !== 6) {
      kept.push(r);
      continue;
    }
    const ip = 14;
    const tcp = ip + (d[ip]! & 0x0f) * 4;
    const payload = d.readUInt16BE(ip + 2) - (tcp - ip) - (d[tcp + 12]! >> 4) * 4;
    const srcPort = d.readUInt16BE(tcp);
    const dstPort = d.readUInt16BE(tcp + 2);
    if (payload > 0 && SMTP_PORTS.has(dstPort)) {
      const n = (seen.get(srcPort) ?? 0) + 1;
      seen.set(srcPort, n);
      if (n === DELAYED_SEGMENT) {
        moved.push(r);
        continue;
      }
    }
    kept.push(r);
  }
  const last = kept[kept.length - 1]!;
  for (const r of moved) {
    r.sec = last.sec;
    r.frac = last.frac;
  }
  p.records = [...kept, ...moved];
  return { pcap: serializePcap(p), segments: new Map([...seen].filter(([, n]) => n >= DELAYED_SEGMENT)) };
}

test('memory caps under load: bytes dropped and counted, exactly the holed transactions incomplete, RSS bounded', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-fault-memcap-'));
  try {
    const original = join(dir, 'big.pcap');
    execFileSync('python3', [GENERATOR, '-q', '-o', original, '--seed', '88', '--sessions', '40', '--concurrency', '40', '--attach-kb', '400', '--max-attach', '1', '--no-attach-frac', '0', '--multi-txn-frac', '0', '--rate-mbps', '2000'], { timeout: 120_000 });
    const { pcap: edited, segments } = delayOneSegmentPerFlow(readFileSync(original));
    const holed = join(dir, 'holed.pcap');
    writeFileSync(holed, edited);
    assert.ok(segments.size >= 20, `connections with a held-back segment: ${segments.size}`);

    const t0 = Date.now();
    const baseline = await read(fixture('seed', 'session.pcap'), dir, CAPS);
    const t1 = Date.now();
    const reference = await read(original, dir, {});
    const t2 = Date.now();
    const capped = await read(holed, dir, CAPS);
    t.diagnostic(`run times (noisy, shared machine): baseline ${t1 - t0} ms, reference ${t2 - t1} ms, capped ${Date.now() - t2} ms`);
    for (const r of [baseline, reference, capped]) assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.ok(Number.isFinite(capped.peakKb) && Number.isFinite(baseline.peakKb), 'peak RSS measured');

    const dropped = metric(capped.metrics, 'mailtap_dropped_bytes_total{reason="memcap"}');
    const memcapAnomalies = metric(capped.metrics, 'mailtap_anomalies_total{name="flow_memcap"}');
    assert.ok(dropped > 0, `dropped_bytes_total{memcap}: ${dropped}`);
    assert.ok(memcapAnomalies > 0, `anomalies_total{flow_memcap}: ${memcapAnomalies}`);

    const tx = (events: Json[]): Map<number, Json> => new Map(events.filter((e) => e['event'] === 'smtp_transaction').map((e) => [Number(e['src_port']), e]));
    const want = tx(reference.events);
    const got = tx(capped.events);
    const memcapUids = new Set(capped.events.filter((e) => e['event'] === 'anomaly' && e['name'] === 'flow_memcap').map((e) => e['uid']));
    assert.equal(got.size, want.size, 'every transaction is still reported');
    let incomplete = 0;
    for (const [port, w] of want) {
      assert.equal(w['status'], 'accepted');
      const g = got.get(port);
      assert.ok(g !== undefined, `transaction of port ${port}`);
      const held = segments.get(port);
      // A hole followed by more than the per-flow cap (64 KiB, ~45 full segments) must overflow it.
      if (held !== undefined && held - DELAYED_SEGMENT > 50) assert.ok(memcapUids.has(g['uid']), `port ${port}: ${held - DELAYED_SEGMENT} segments after its hole overflow the holdback`);
      if (memcapUids.has(g['uid'])) {
        incomplete++;
        assert.ok(held !== undefined, `port ${port}: flow_memcap only where a segment was held back`);
        assert.equal(g['status'], 'incomplete', `port ${port}: the holdback overflowed inside its DATA`);
        assert.ok(Number(g['gap_bytes']) > 0, `port ${port}: gap_bytes`);
      } else {
        // Either no hole, or one the late segment filled within the caps: as with the default caps.
        const { time: _a, uid: _b, ...gr } = g;
        const { time: _c, uid: _d, ...wr } = w;
        assert.deepEqual(gr, wr, `port ${port}: the same as with the default caps`);
      }
    }
    assert.ok(incomplete >= 15, `transactions cut by the caps: ${incomplete}`);
    assert.equal(metric(capped.metrics, 'mailtap_smtp_incomplete_transactions_total'), incomplete, 'smtp_incomplete_transactions_total');

    const growthKb = capped.peakKb - baseline.peakKb;
    t.diagnostic(`peak RSS: ${capped.peakKb} kB with caps on ${(edited.length / 1e6).toFixed(1)} MB (one-session baseline ${baseline.peakKb} kB, growth ${growthKb} kB, default caps on the unedited capture ${reference.peakKb} kB); memcap drops ${dropped} bytes, flow_memcap ${memcapAnomalies}`);
    assert.ok(growthKb <= RSS_ALLOWANCE_KB, `peak RSS ${capped.peakKb} kB exceeds the one-session baseline ${baseline.peakKb} kB by ${growthKb} kB (> ${RSS_ALLOWANCE_KB} kB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
