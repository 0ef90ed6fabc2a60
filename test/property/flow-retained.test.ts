// Property of the retransmission-check store (flow/retained.ts) since it keeps its copies in one
// ring buffer per store (issue 12 item 3): against a byte-by-byte model (every kept byte with its
// sequence number, oldest first), random adds (contiguous, after a gap, overlapping, larger than the
// cap, across the 2^32 wrap), ACKs and compares give the same lost counts, kept bytes, budget charge
// and mismatch answers, including after the store went back to its pool and was taken again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RetainedPool } from '../../src/flow/retained.js';
import { HoldbackBudget } from '../../src/flow/holdback.js';
import { seqAdd, seqDiff } from '../../src/flow/seq.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

/** Every kept byte, oldest first. */
class Model {
  seqs: number[] = [];
  vals: number[] = [];
  constructor(private readonly budget: { capBytes: number; used: number; retained: number }, private readonly cap: number) {}
  add(seq: number, data: Buffer): number {
    let n = data.length;
    let from = 0;
    let lost = 0;
    if (n > this.cap) {
      lost += n - this.cap;
      from = n - this.cap;
      seq = seqAdd(seq, from);
      n = this.cap;
    }
    const over = this.seqs.length + n - this.cap;
    if (over > 0) lost += this.drop(over);
    const room = this.budget.capBytes - this.budget.used - this.budget.retained;
    if (n > room) return lost + n;
    for (let i = 0; i < n; i++) {
      this.seqs.push(seqAdd(seq, i));
      this.vals.push(data[from + i]!);
    }
    this.budget.retained += n;
    return lost;
  }
  ackTo(ack: number): void {
    let k = 0;
    while (k < this.seqs.length && seqDiff(ack, this.seqs[k]!) > 0) k++;
    this.drop(k);
  }
  differs(seq: number, data: Buffer): boolean {
    for (let i = 0; i < this.seqs.length; i++) {
      const d = seqDiff(this.seqs[i]!, seq);
      if (d >= 0 && d < data.length && data[d] !== this.vals[i]) return true;
    }
    return false;
  }
  clear(): void {
    this.drop(this.seqs.length);
  }
  private drop(n: number): number {
    const k = Math.min(n, this.seqs.length);
    this.seqs.splice(0, k);
    this.vals.splice(0, k);
    this.budget.retained -= k;
    return k;
  }
}

type Op =
  | { t: 'add'; skip: number; back: number; len: number; fill: number }
  | { t: 'ack'; part: number; ahead: number }
  | { t: 'cmp'; back: number; len: number; flip: boolean }
  | { t: 'recycle' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('add' as const), skip: fc.oneof(fc.constant(0), fc.nat(40)), back: fc.oneof(fc.constant(0), fc.nat(30)), len: fc.integer({ min: 1, max: 1500 }), fill: fc.nat(255) }) },
  // Mostly part of what is kept (the ring's head moves without emptying it, so writes and compares wrap).
  { weight: 3, arbitrary: fc.record({ t: fc.constant('ack' as const), part: fc.double({ min: 0, max: 1.05, noNaN: true }), ahead: fc.integer({ min: -20, max: 20 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('cmp' as const), back: fc.nat(600), len: fc.integer({ min: 1, max: 200 }), flip: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('recycle' as const) }) },
);

test('Retained (ring buffer, pooled) keeps, drops and compares exactly what a byte-by-byte model does', () => {
  fc.assert(
    fc.property(fc.integer({ min: 16, max: 8000 }), fc.integer({ min: 1000, max: 12000 }), fc.oneof(fc.nat(1000), fc.integer({ min: 2 ** 32 - 600, max: 2 ** 32 - 1 })), fc.array(op, { maxLength: 100, size: 'max' }), (cap, memcap, isn, ops) => {
      const budget = new HoldbackBudget(memcap, 0);
      const mb = { capBytes: memcap, used: 0, retained: 0 };
      const pool = new RetainedPool(budget, cap);
      let r = pool.take();
      const m = new Model(mb, cap);
      let next = isn >>> 0; // the sequence number after the last delivered byte
      for (const o of ops) {
        if (o.t === 'add') {
          const seq = seqAdd(next, o.skip - o.back);
          const data = Buffer.alloc(o.len);
          for (let i = 0; i < o.len; i++) data[i] = (o.fill + i * 7) & 255;
          assert.equal(r.add(seq, data), m.add(seq, data), 'lost bytes');
          if (seqDiff(seqAdd(seq, o.len), next) > 0) next = seqAdd(seq, o.len);
        } else if (o.t === 'ack') {
          const ack = seqAdd(m.seqs.length > 0 ? m.seqs[0]! : next, Math.floor(o.part * m.seqs.length) + o.ahead);
          r.ackTo(ack);
          m.ackTo(ack);
        } else if (o.t === 'cmp') {
          const seq = seqAdd(next, -o.back);
          const data = Buffer.alloc(o.len);
          for (let i = 0; i < o.len; i++) {
            const d = m.seqs.findIndex((s) => s === seqAdd(seq, i));
            data[i] = d >= 0 ? m.vals[d]! : 0;
          }
          if (o.flip) data[o.len >> 1] = data[o.len >> 1]! ^ 1;
          assert.equal(r.differs(seq, data), m.differs(seq, data), 'differs');
        } else {
          pool.give(r);
          m.clear();
          r = pool.take();
        }
        assert.equal(r.bytes, m.seqs.length, 'bytes kept');
        assert.equal(budget.retained, mb.retained, 'budget charge');
      }
    }),
    { numRuns: Math.ceil(RUNS / 2) },
  );
});

test('Retained: a ring that wraps and then grows keeps every byte in order', () => {
  const budget = new HoldbackBudget(1 << 20, 0);
  const r = new RetainedPool(budget, 4000).take();
  const stream = Buffer.alloc(4000);
  for (let i = 0; i < stream.length; i++) stream[i] = (i * 31 + 7) & 255;
  const base = 2 ** 32 - 1200; // across the sequence wrap too
  assert.equal(r.add(base, stream.subarray(0, 1500)), 0); // ring of 2048
  r.ackTo(seqAdd(base, 1000)); // head at 1000, 500 kept
  assert.equal(r.add(seqAdd(base, 1500), stream.subarray(1500, 3000)), 0); // 2000 kept, written across the ring's end
  assert.equal(r.add(seqAdd(base, 3000), stream.subarray(3000, 4000)), 0); // 3000 kept: the wrapped ring grows
  assert.equal(r.bytes, 3000);
  assert.equal(r.differs(seqAdd(base, 1000), stream.subarray(1000, 4000)), false);
  for (const at of [1000, 1600, 2100, 3500]) {
    const copy = Buffer.from(stream.subarray(1000, 4000));
    copy[at - 1000] = copy[at - 1000]! ^ 0xff;
    assert.equal(r.differs(seqAdd(base, 1000), copy), true, `a changed byte at ${at}`);
  }
});
