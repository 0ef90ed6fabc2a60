// Properties of the reassembler's memory caps (issue 8, SPEC §6 flows.per_flow_holdback_kb and
// flows.memcap_mb) with small caps configured: whatever order segments arrive in, the bytes held
// never exceed the per-flow cap (per direction) nor the global cap, and reaching a cap only turns
// held bytes into gaps: every delivered byte is the right byte at the right offset, and data plus
// gaps cover each direction's whole stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlowTable } from '../../src/flow/flow-table.js';
import type { FlowId } from '../../src/flow/types.js';
import { Conn, F, Recorder, flowsConfig, segmentsOf } from '../helpers/segments.js';

// size 'max': fast-check otherwise keeps arrays near 10 elements, far below the caps.
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const PER_FLOW = 1024;

/** Walks one direction's events: each data byte must equal the sent byte at its offset; returns the offset reached. */
function checkDirection(rec: Recorder, flow: FlowId, dir: 'c2s' | 's2c', sent: Buffer): number {
  let off = 0;
  for (const e of rec.events) {
    if ((e.t !== 'data' && e.t !== 'gap') || e.flow !== flow || e.dir !== dir) continue;
    if (e.t === 'gap') {
      off += e.len;
      continue;
    }
    assert.ok(e.bytes.equals(sent.subarray(off, off + e.bytes.length)), `${dir} bytes at ${off} differ from those sent`);
    off += e.bytes.length;
  }
  return off;
}

const connArb = fc.record({
  c: fc.uint8Array({ minLength: 1, maxLength: 3000, size: 'max' }),
  s: fc.uint8Array({ minLength: 1, maxLength: 3000, size: 'max' }),
  cCuts: fc.array(fc.nat(), { maxLength: 30, size: 'max' }),
  sCuts: fc.array(fc.nat(), { maxLength: 30, size: 'max' }),
});

test('small per-flow and global caps: held bytes stay within both; caps only make gaps, never wrong bytes', () => {
  let capped = 0;
  fc.assert(
    fc.property(
      fc.array(connArb, { minLength: 1, maxLength: 3 }),
      fc.array(fc.nat(), { maxLength: 120, size: 'max' }),
      fc.integer({ min: 1, max: 6 }),
      (conns, keys, globalKb) => {
        const memcap = globalKb * 512;
        const rec = new Recorder();
        // Caps of 512 B..3 KiB test the held bytes; connection state is not charged (it would pass
        // them: flow-memcap.test.ts tests that charge).
        const ft = new FlowTable({ flows: flowsConfig({ per_flow_holdback_kb: PER_FLOW / 1024, memcap_mb: memcap / (1024 * 1024), reorder_window_ms: 100 }), smtpPorts: [25], flowStateBytes: 0 }, rec);
        const cs = conns.map((_, i) => new Conn(`10.3.0.${i + 1}:4000${i}`, `10.3.1.${i + 1}:25`, 1000 + i * 7919, 5000 + i * 104729));
        for (const c of cs) for (const s of c.handshake()) ft.onSegment(s);
        type Item = { k: number; i: number; dir: 'c' | 's'; off: number; len: number };
        const items: Item[] = [];
        conns.forEach((c, i) => {
          for (const [off, len] of segmentsOf(c.c.length, c.cCuts)) items.push({ k: 0, i, dir: 'c', off, len });
          for (const [off, len] of segmentsOf(c.s.length, c.sCuts)) items.push({ k: 0, i, dir: 's', off, len });
        });
        // Arbitrary arrival order (far beyond any reorder window): holes fill the holdback.
        items.forEach((it, j) => (it.k = keys[j % Math.max(1, keys.length)] ?? j));
        items.sort((a, b) => a.k - b.k);
        for (const it of items) {
          const c = cs[it.i]!;
          const data = Buffer.from(conns[it.i]![it.dir]).subarray(it.off, it.off + it.len);
          ft.onSegment(it.dir === 'c' ? c.c(it.off, data, { ack: 0 }) : c.s(it.off, data, { ack: 0 }));
          const held = ft.stats().holdbackBytes;
          assert.ok(held <= memcap, `held ${held} > global cap ${memcap}`);
          assert.ok(held <= 2 * PER_FLOW * conns.length, `held ${held} > per-flow caps`);
        }
        conns.forEach((c, i) => {
          ft.onSegment(cs[i]!.c(c.c.length, '', { flags: F.FIN | F.ACK, ack: c.s.length }));
          ft.onSegment(cs[i]!.s(c.s.length, '', { flags: F.FIN | F.ACK, ack: c.c.length + 1 }));
        });
        ft.closeAll('eof');
        assert.equal(ft.stats().holdbackBytes, 0);
        if (rec.anomalies().includes('flow_memcap')) capped++;
        const opens = rec.of('open');
        assert.equal(opens.length, conns.length);
        conns.forEach((c, i) => {
          const flow = opens[i]!.info.flow;
          assert.equal(checkDirection(rec, flow, 'c2s', Buffer.from(c.c)), c.c.length);
          assert.equal(checkDirection(rec, flow, 's2c', Buffer.from(c.s)), c.s.length);
        });
      },
    ),
    { numRuns: RUNS },
  );
  assert.ok(capped > 0, 'some runs reached a cap');
});

test('one connection, per-flow cap only: held bytes never exceed the cap', () => {
  let capped = 0;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 6000, size: 'max' }), fc.array(fc.nat(), { maxLength: 60, size: 'max' }), fc.array(fc.nat(), { maxLength: 60, size: 'max' }), (data, cuts, keys) => {
      const rec = new Recorder();
      const ft = new FlowTable({ flows: flowsConfig({ per_flow_holdback_kb: 1 }), smtpPorts: [25] }, rec);
      const conn = new Conn();
      for (const s of conn.handshake()) ft.onSegment(s);
      const buf = Buffer.from(data);
      const segs = segmentsOf(buf.length, cuts).map((s, j) => ({ s, k: keys[j % Math.max(1, keys.length)] ?? j }));
      segs.sort((a, b) => a.k - b.k);
      for (const { s: [off, len] } of segs) {
        ft.onSegment(conn.c(off, buf.subarray(off, off + len)));
        assert.ok(ft.stats().holdbackBytes <= PER_FLOW, `held ${ft.stats().holdbackBytes} > ${PER_FLOW}`);
      }
      ft.onSegment(conn.c(buf.length, '', { flags: F.FIN | F.ACK }));
      ft.closeAll('eof');
      const flow = rec.of('open')[0]!.info.flow;
      assert.equal(checkDirection(rec, flow, 'c2s', buf), buf.length);
      assert.equal(ft.stats().holdbackBytes, 0);
      if (rec.anomalies().includes('flow_memcap')) capped++;
    }),
    { numRuns: RUNS },
  );
  assert.ok(capped > 0, 'some runs reached the cap');
});
