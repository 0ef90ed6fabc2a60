// Issue 13 item 4, end to end: the seed session rewritten as pcapng with hostile times. Before the
// fix the worker threw (RangeError in the ISO formatting) or `ts` was a string the schema rejects
// (`+275760-…`); now every event validates, the times are clamped into the range mailtap carries,
// and each clamped packet is counted as capture_bad_timestamp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../helpers/paths.js';
import { parsePcap, recordMicros } from '../helpers/pcap-edit.js';
import { readWithMetrics } from '../helpers/read-metrics.js';
import { ngEpb, ngIdb, ngShb, type IdbOptions } from '../unit/capture/capture-builders.js';
import { MAX_TS_MICROS, isoMicros } from '../../src/shared/time.js';

const SOURCE = parsePcap(readFileSync(fixture('seed', 'session.pcap')));

function pcapng(idb: IdbOptions, units: (micros: number, i: number) => bigint): Buffer {
  return Buffer.concat([
    ngShb(true),
    ngIdb(true, SOURCE.linkType, 0, idb),
    ...SOURCE.records.map((r, i) => ngEpb(true, 0, units(recordMicros(SOURCE, r), i), r.data)),
  ]);
}

const CASES: [string, Buffer, number][] = [
  ['every block near 2^64 µs', pcapng({}, (_t, i) => 2n ** 64n - 1000n + BigInt(i)), SOURCE.records.length],
  ['if_tsresol of seconds, 2^40 s', pcapng({ tsresol: 0 }, (t) => 2n ** 40n + BigInt(Math.floor(t / 1e6))), SOURCE.records.length],
  ['a negative if_tsoffset before 1970', pcapng({ tsoffset: -4_000_000_000n }, (t) => BigInt(t)), SOURCE.records.length],
  ['one stray block near 2^64 µs among good ones', pcapng({}, (t, i) => (i === 3 ? 2n ** 64n - 1n : BigInt(t))), 1],
];

for (const [name, file, bad] of CASES) {
  test(`${name}: the session and its transaction are reported, every event validates, ${bad} packet(s) counted`, async () => {
    const { events, metrics } = await readWithMetrics(file, 'in.pcapng');
    const kinds = events.map((e) => e.event).sort();
    assert.deepEqual(kinds, ['smtp_session', 'smtp_transaction']);
    const t = events.find((e) => e.event === 'smtp_transaction')!;
    assert.equal(t.status, 'accepted');
    assert.equal(t.mail_from, 'bripengandre@163.com');
    assert.equal(metrics.get('mailtap_anomalies_total{name="capture_bad_timestamp"}'), bad);
    if (name.startsWith('every block')) for (const e of events) assert.equal(e.ts, isoMicros(MAX_TS_MICROS));
  });
}
