// Causal ordering across directions (golden README B3): a conversation in which each side sends
// after receiving the other's bytes, captured in any order that keeps each segment within a few
// places of its sending position (ACKs overtaking data, reordering within the reorder window),
// gives the same per-direction streams as the sending order, and no byte of one side is delivered
// before the other side's bytes its segment acknowledged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlowTable } from '../../src/flow/flow-table.js';
import type { DecodedSegment } from '../../src/decode/types.js';
import { Conn, F, Recorder } from '../helpers/segments.js';
import { flowsConfig } from '../helpers/segments.js';

const RUNS = 300;

interface Sent {
  dir: 'c' | 's';
  off: number;
  len: number;
  /** Peer bytes received when this was sent. */
  ack: number;
}

/** Turns alternate client/server; each turn's bytes are cut into segments sent back to back. */
function conversation(turns: Array<{ len: number; cuts: number[] }>): { sent: Sent[]; total: { c: number; s: number } } {
  const sent: Sent[] = [];
  const total = { c: 0, s: 0 };
  turns.forEach((t, i) => {
    const dir = i % 2 === 0 ? 'c' : 's';
    const peer = dir === 'c' ? 's' : 'c';
    const pts = [...new Set(t.cuts.map((x) => x % t.len))].filter((x) => x > 0).sort((a, b) => a - b);
    let prev = 0;
    for (const p of [...pts, t.len]) {
      sent.push({ dir, off: total[dir] + prev, len: p - prev, ack: total[peer] });
      prev = p;
    }
    total[dir] += t.len;
  });
  return { sent, total };
}

function bytesOf(dir: 'c' | 's', n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * (dir === 'c' ? 7 : 13) + 1) & 0xff;
  return b;
}

test('any causal capture order with reordering inside the window: same streams, causal delivery order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ len: fc.integer({ min: 1, max: 200 }), cuts: fc.array(fc.nat(), { maxLength: 4 }) }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 60 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      (turns, shifts, isn) => {
        const { sent, total } = conversation(turns);
        const cb = bytesOf('c', total.c);
        const sb = bytesOf('s', total.s);
        // Capture order: each segment moves up to 4 places later than its sending position.
        const order = sent
          .map((x, i) => ({ x, k: i + (shifts[i % Math.max(1, shifts.length)] ?? 0) + i / 1000 }))
          .sort((a, b) => a.k - b.k)
          .map((o) => o.x);
        const conn = new Conn('10.2.0.1:40000', '10.2.0.2:25', isn, (isn * 5 + 77) >>> 0);
        const rec = new Recorder();
        const ft = new FlowTable({ flows: flowsConfig({ reorder_window_ms: 100 }), smtpPorts: [25] }, rec);
        for (const s of conn.handshake()) ft.onSegment(s);
        for (const x of order) {
          const data = (x.dir === 'c' ? cb : sb).subarray(x.off, x.off + x.len);
          const seg: DecodedSegment = x.dir === 'c' ? conn.c(x.off, data, { ack: x.ack }) : conn.s(x.off, data, { ack: x.ack });
          ft.onSegment(seg);
        }
        ft.onSegment(conn.c(total.c, '', { flags: F.FIN | F.ACK, ack: total.s }));
        ft.onSegment(conn.s(total.s, '', { flags: F.FIN | F.ACK, ack: total.c + 1 }));
        ft.onSegment(conn.c(total.c + 1, '', { ack: total.s + 1 }));
        ft.tick(conn.ts + 100_000);
        const close = rec.of('close')[0];
        assert.ok(close, 'both FINs and every byte seen: the flow closes when the window for late packets has passed');
        assert.equal(close.summary.gapBytes, 0);
        const flow = close.flow;
        assert.equal(rec.stream(flow, 'c2s'), cb.toString('latin1'));
        assert.equal(rec.stream(flow, 's2c'), sb.toString('latin1'));
        // Causality: when byte `o` of one side is delivered, the other side has delivered at least
        // the bytes the segment carrying `o` acknowledged.
        const done = { c: 0, s: 0 };
        for (const e of rec.events) {
          if (e.t !== 'data') continue;
          const d = e.dir === 'c2s' ? 'c' : 's';
          const peer = d === 'c' ? 's' : 'c';
          for (let o = done[d]; o < done[d] + e.bytes.length; o++) {
            const carrier = sent.find((x) => x.dir === d && x.off <= o && o < x.off + x.len)!;
            assert.ok(done[peer] >= carrier.ack, `${d} byte ${o} delivered before ${peer} byte ${carrier.ack - 1}`);
          }
          done[d] += e.bytes.length;
        }
        assert.equal(ft.stats().holdbackBytes, 0);
      },
    ),
    { numRuns: RUNS },
  );
});
