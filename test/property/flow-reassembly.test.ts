// Properties of TCP reassembly (STYLE §9, SPEC §7 "chunking does not change results"): any
// segmentation, reordering within the window and duplication give the same byte stream; dropped
// segments become gaps of exactly their length and change nothing else; random traffic never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlowTable } from '../../src/flow/flow-table.js';
import type { DecodedSegment } from '../../src/decode/types.js';
import { Conn, F, Recorder, T0, flowsConfig, mkSeg, segmentsOf } from '../helpers/segments.js';

const RUNS = 400;

function order<T>(items: T[], keys: number[]): T[] {
  return items
    .map((it, i) => ({ it, k: keys[i % Math.max(1, keys.length)] ?? 0, i }))
    .sort((a, b) => a.k - b.k || a.i - b.i)
    .map((x) => x.it);
}

// size 'max': fast-check otherwise keeps arrays near 10 elements (streams of a few bytes, a cut or two).
const streamArb = fc.uint8Array({ minLength: 1, maxLength: 600, size: 'max' });

test('segmentation, reordering within the window and duplicates give byte-identical streams', () => {
  fc.assert(
    fc.property(
      streamArb,
      streamArb,
      fc.array(fc.nat(), { maxLength: 30, size: 'max' }),
      fc.array(fc.nat(), { maxLength: 30, size: 'max' }),
      fc.array(fc.nat(), { maxLength: 80, size: 'max' }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (cData, sData, cCuts, sCuts, keys, dups, acks, isn) => {
        const rec = new Recorder();
        const ft = new FlowTable({ flows: flowsConfig({ reorder_window_ms: 100 }), smtpPorts: [25] }, rec);
        const conn = new Conn('10.1.0.1:40000', '10.1.0.2:25', isn, (isn * 7 + 13) >>> 0);
        for (const s of conn.handshake()) ft.onSegment(s);
        const cb = Buffer.from(cData);
        const sb = Buffer.from(sData);
        type Item = { dir: 'c' | 's'; off: number; len: number; ackOnly?: boolean };
        const items: Item[] = [
          ...segmentsOf(cb.length, cCuts).map(([off, len]) => ({ dir: 'c' as const, off, len })),
          ...segmentsOf(sb.length, sCuts).map(([off, len]) => ({ dir: 's' as const, off, len })),
        ];
        // Duplicates: arbitrary re-segmented copies of any range (same bytes: retransmissions).
        for (const [a, b] of dups) {
          const dir = a % 2 === 0 ? 'c' : 's';
          const total = dir === 'c' ? cb.length : sb.length;
          const off = a % total;
          items.push({ dir, off, len: 1 + (b % (total - off)) });
        }
        // Pure ACKs that may overtake the data they acknowledge (SPAN), all inside the window.
        for (const [a, b] of acks) items.push({ dir: a % 2 === 0 ? 'c' : 's', off: 0, len: b, ackOnly: true });
        let ts = conn.ts;
        for (const it of order(items, keys)) {
          if (it.ackOnly) {
            const peerLen = it.dir === 'c' ? sb.length : cb.length;
            const ack = it.len % (peerLen + 1);
            ft.onSegment(it.dir === 'c' ? conn.c(0, '', { ts: ++ts, ack }) : conn.s(0, '', { ts: ++ts, ack }));
            continue;
          }
          const src = it.dir === 'c' ? cb : sb;
          // Copy into a scratch buffer that is scribbled over afterwards: payloads are borrowed.
          const scratch = Buffer.from(src.subarray(it.off, it.off + it.len));
          const seg = it.dir === 'c' ? conn.c(it.off, scratch, { ts: ++ts, ack: 0 }) : conn.s(it.off, scratch, { ts: ++ts, ack: 0 });
          ft.onSegment(seg);
          scratch.fill(0xee);
        }
        ft.onSegment(conn.c(cb.length, '', { flags: F.FIN | F.ACK, ts: ++ts, ack: sb.length }));
        ft.onSegment(conn.s(sb.length, '', { flags: F.FIN | F.ACK, ts: ++ts, ack: cb.length + 1 }));
        ft.tick(ts + 100_000); // the close waits the reorder window for late packets (issue 13 item 9)
        const flow = rec.of('open')[0]!.info.flow;
        assert.equal(rec.stream(flow, 'c2s'), cb.toString('latin1'));
        assert.equal(rec.stream(flow, 's2c'), sb.toString('latin1'));
        assert.deepEqual(rec.anomalies(), []);
        const close = rec.of('close');
        assert.equal(close.length, 1);
        assert.equal(close[0]!.reason, 'fin');
        assert.equal(close[0]!.summary.gapBytes, 0);
        assert.equal(ft.stats().holdbackBytes, 0);
      },
    ),
    { numRuns: RUNS },
  );
});

test('dropped segments become gaps of exactly their length; nothing else changes', () => {
  fc.assert(
    fc.property(
      streamArb,
      fc.array(fc.nat(), { maxLength: 30, size: 'max' }),
      fc.array(fc.boolean(), { maxLength: 31 }),
      fc.array(fc.nat(), { maxLength: 31, size: 'max' }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (data, cuts, drops, keys, isn) => {
        const rec = new Recorder();
        const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25] }, rec);
        const conn = new Conn('10.1.0.1:40000', '10.1.0.2:25', isn, 77);
        for (const s of conn.handshake()) ft.onSegment(s);
        const buf = Buffer.from(data);
        const segs = segmentsOf(buf.length, cuts);
        let expected = '';
        let pendingGap = 0;
        const kept: Array<[number, number]> = [];
        segs.forEach(([off, len], i) => {
          if (drops[i % Math.max(1, drops.length)] === true && drops.length > 0) {
            pendingGap += len;
            return;
          }
          if (pendingGap > 0) expected += `<gap ${pendingGap}>`;
          pendingGap = 0;
          expected += buf.toString('latin1', off, off + len);
          kept.push([off, len]);
        });
        if (pendingGap > 0) expected += `<gap ${pendingGap}>`;
        let ts = conn.ts;
        for (const [off, len] of order(kept, keys)) ft.onSegment(conn.c(off, buf.subarray(off, off + len), { ts: ++ts }));
        ft.onSegment(conn.c(buf.length, '', { flags: F.FIN | F.ACK, ts: ++ts }));
        ft.closeAll('eof');
        const flow = rec.of('open')[0]!.info.flow;
        assert.equal(rec.stream(flow, 'c2s'), expected);
        const close = rec.of('close')[0]!;
        assert.equal(close.summary.gapBytes + close.summary.bytesClient, buf.length);
        assert.deepEqual(rec.anomalies(), []);
      },
    ),
    { numRuns: RUNS },
  );
});

const segArb = fc.record({
  flow: fc.integer({ min: 0, max: 3 }),
  fromClient: fc.boolean(),
  seq: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 0xffffffff })),
  ack: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 0xffffffff })),
  flags: fc.integer({ min: 0, max: 0xff }),
  len: fc.integer({ min: 0, max: 700 }),
  captured: fc.integer({ min: 0, max: 700 }),
  dt: fc.integer({ min: 0, max: 200_000 }),
});

test('random segments never throw, stay within the caps, and keep the event order per flow', () => {
  fc.assert(
    fc.property(fc.array(segArb, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (segs, maxFlows) => {
      const rec = new Recorder();
      const ft = new FlowTable({ flows: flowsConfig({ per_flow_holdback_kb: 1, max_flows: maxFlows, idle_timeout_s: 1 }), smtpPorts: [25] }, rec);
      let ts = T0;
      for (const s of segs) {
        ts += s.dt;
        const client = `10.2.0.${s.flow}:4000${s.flow}`;
        const server = `10.2.1.${s.flow}:${s.flow % 2 === 0 ? 25 : 3000}`;
        const payload = Buffer.alloc(Math.min(s.len, s.captured), 0x41 + s.flow);
        const seg: DecodedSegment = mkSeg({ ts, src: s.fromClient ? client : server, dst: s.fromClient ? server : client, seq: s.seq, ack: s.ack, flags: s.flags, payload, payloadLen: s.len });
        ft.onSegment(seg);
        if (s.dt > 150_000) ft.tick(ts);
        assert.ok(ft.stats().holdbackBytes <= 1024 * maxFlows);
        assert.ok(ft.stats().flowsActive <= maxFlows);
      }
      ft.closeAll('eof');
      const state = new Map<number, 'open' | 'closed'>();
      for (const e of rec.events) {
        const id = e.t === 'open' ? e.info.flow : e.flow;
        if (e.t === 'open') {
          assert.equal(state.get(id), undefined, 'one open per flow');
          state.set(id, 'open');
        } else {
          assert.equal(state.get(id), 'open', `${e.t} between open and close`);
          if (e.t === 'close') state.set(id, 'closed');
          if (e.t === 'gap') assert.ok(e.len > 0);
          if (e.t === 'data') assert.ok(e.bytes.length > 0);
        }
      }
      for (const v of state.values()) assert.equal(v, 'closed');
      const st = ft.stats();
      assert.equal(st.flowsActive, 0);
      assert.equal(st.holdbackBytes, 0);
    }),
    { numRuns: RUNS * 2 },
  );
});

test('the byte streams do not depend on how often tick() is called', () => {
  fc.assert(
    fc.property(
      streamArb,
      fc.array(fc.nat(), { maxLength: 20, size: 'max' }),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 250_000 }), fc.nat()), { maxLength: 21 }),
      (data, cuts, plan) => {
        const buf = Buffer.from(data);
        const segs = segmentsOf(buf.length, cuts);
        const run = (tickEvery: boolean): [string, string] => {
          const rec = new Recorder();
          const ft = new FlowTable({ flows: flowsConfig({ reorder_window_ms: 100 }), smtpPorts: [25] }, rec);
          const conn = new Conn();
          for (const s of conn.handshake()) ft.onSegment(s);
          let ts = conn.ts;
          segs.forEach(([off, len], i) => {
            const [drop, dt, ackSel] = plan[i % Math.max(1, plan.length)] ?? [false, 0, 0];
            ts += dt;
            if (!drop) ft.onSegment(conn.c(off, buf.subarray(off, off + len), { ts }));
            if (tickEvery) ft.tick(ts);
            ft.onSegment(conn.s(0, '', { ts, ack: ackSel % (buf.length + 1) }));
            if (tickEvery) ft.tick(ts);
          });
          ft.closeAll('eof', ts + 1);
          const flow = rec.of('open')[0]!.info.flow;
          return [rec.stream(flow, 'c2s'), rec.stream(flow, 's2c')];
        };
        assert.deepEqual(run(true), run(false));
      },
    ),
    { numRuns: RUNS },
  );
});

test('both FINs seen: closes as fin whatever was lost, and end is the latest packet time even when time goes backwards', () => {
  fc.assert(
    fc.property(
      streamArb,
      fc.array(fc.nat(), { maxLength: 20, size: 'max' }),
      fc.array(fc.boolean(), { maxLength: 21 }),
      fc.array(fc.integer({ min: -2_000_000, max: 2_000_000 }), { minLength: 1, maxLength: 23 }),
      (data, cuts, drops, times) => {
        const rec = new Recorder();
        const ft = new FlowTable({ flows: flowsConfig({ reorder_window_ms: 100 }), smtpPorts: [25] }, rec);
        const conn = new Conn('10.1.0.1:40000', '10.1.0.2:25', 1000, 5000, T0 + 10_000_000);
        for (const s of conn.handshake()) ft.onSegment(s);
        // start is the earliest packet time, end the latest (issue 13 item 9).
        let start = rec.of('open')[0]!.tsMicros;
        let latest = conn.ts;
        let i = 0;
        const at = (): number => {
          const ts = T0 + 10_000_000 + times[i++ % times.length]!;
          if (ts > latest) latest = ts;
          if (ts < start) start = ts;
          return ts;
        };
        const buf = Buffer.from(data);
        segmentsOf(buf.length, cuts).forEach(([off, len], k) => {
          if (drops[k % Math.max(1, drops.length)] !== true) ft.onSegment(conn.c(off, buf.subarray(off, off + len), { ts: at() }));
        });
        ft.onSegment(conn.s(0, '', { flags: F.FIN | F.ACK, ts: at(), ack: buf.length }));
        ft.onSegment(conn.c(buf.length, '', { flags: F.FIN | F.ACK, ts: at(), ack: 1 }));
        ft.closeAll('eof');
        const [close] = rec.of('close');
        assert.ok(close);
        assert.equal(close.reason, 'fin');
        assert.equal(close.summary.startMicros, start);
        assert.equal(close.summary.endMicros, latest);
        assert.equal(close.summary.bytesClient + close.summary.gapBytes, buf.length);
      },
    ),
    { numRuns: RUNS },
  );
});
