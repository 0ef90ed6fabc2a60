import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Side, hashSegment, matchSegment } from '../../../src/flow/flow-key.js';
import { FlowTable } from '../../../src/flow/flow-table.js';
import { FlowState } from '../../../src/flow/flow-state.js';
import { Conn, F, Recorder, flowsConfig, mkSeg, parseIp6 } from '../../helpers/segments.js';

test('hash is the same in both directions and a small non-negative integer', () => {
  const fwd = mkSeg({ src: '10.0.0.1:40000', dst: '192.168.1.2:25', seq: 1 });
  const rev = mkSeg({ src: '192.168.1.2:25', dst: '10.0.0.1:40000', seq: 1 });
  assert.equal(hashSegment(fwd), hashSegment(rev));
  assert.ok(Number.isInteger(hashSegment(fwd)) && hashSegment(fwd) >= 0 && hashSegment(fwd) < 2 ** 30);
  const f6 = mkSeg({ src: '[2001:db8::1]:40000', dst: '[2001:db8::2]:25', seq: 1 });
  const r6 = mkSeg({ src: '[2001:db8::2]:25', dst: '[2001:db8::1]:40000', seq: 1 });
  assert.equal(hashSegment(f6), hashSegment(r6));
  assert.notEqual(hashSegment(fwd), hashSegment(mkSeg({ src: '10.0.0.1:40001', dst: '192.168.1.2:25', seq: 1 })));
});

test('matchSegment tells the sending side and rejects other tuples', () => {
  const ip6 = Buffer.concat([parseIp6('2001:db8::1'), parseIp6('2001:db8::2')]);
  const f6 = new FlowState(1, 0, 6, 0, 0, ip6, 40000, 25, [], 0);
  assert.equal(matchSegment(f6, mkSeg({ src: '[2001:db8::1]:40000', dst: '[2001:db8::2]:25', seq: 1 })), Side.A);
  assert.equal(matchSegment(f6, mkSeg({ src: '[2001:db8::2]:25', dst: '[2001:db8::1]:40000', seq: 1 })), Side.B);
  assert.equal(matchSegment(f6, mkSeg({ src: '[2001:db8::3]:25', dst: '[2001:db8::1]:40000', seq: 1 })), Side.None);
  assert.equal(matchSegment(f6, mkSeg({ src: '10.0.0.1:40000', dst: '10.0.0.2:25', seq: 1 })), Side.None);
  const f4 = new FlowState(2, 0, 4, 0x0a000001, 0x0a000002, null, 40000, 25, [], 0);
  assert.equal(matchSegment(f4, mkSeg({ src: '10.0.0.2:25', dst: '10.0.0.1:40000', seq: 1 })), Side.B);
  assert.equal(matchSegment(f4, mkSeg({ src: '10.0.0.2:26', dst: '10.0.0.1:40000', seq: 1 })), Side.None);
});

test('colliding tuples share a bucket and stay separate flows; removal from the chain keeps the others', () => {
  // Find two client endpoints whose connections to one server hash alike (birthday search).
  const seen = new Map<number, string>();
  let pair: [string, string] | null = null;
  for (let i = 0; pair === null && i < 1_000_000; i++) {
    const ep = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}:${1024 + (i % 50000)}`;
    const h = hashSegment(mkSeg({ src: ep, dst: '10.200.0.1:25', seq: 1 }));
    const prev = seen.get(h);
    if (prev !== undefined) pair = [prev, ep];
    else seen.set(h, ep);
  }
  assert.ok(pair, 'found a collision');
  const rec = new Recorder();
  const ft = new FlowTable({ flows: flowsConfig(), smtpPorts: [25] }, rec);
  const c1 = new Conn(pair[0], '10.200.0.1:25');
  const c2 = new Conn(pair[1], '10.200.0.1:25');
  for (const s of [...c1.handshake(), ...c2.handshake()]) ft.onSegment(s);
  ft.onSegment(c1.c(0, 'one'));
  ft.onSegment(c2.c(0, 'two'));
  const [o1, o2] = rec.of('open');
  assert.notEqual(o1!.info.flow, o2!.info.flow);
  assert.equal(rec.stream(o1!.info.flow, 'c2s'), 'one');
  assert.equal(rec.stream(o2!.info.flow, 'c2s'), 'two');
  // Close the first (head or not of the chain), then both must still resolve correctly.
  ft.onSegment(c1.c(3, '', { flags: F.RST }));
  ft.tick(c1.ts + 100_000); // an RST close waits the reorder window (issue 13 item 9)
  ft.onSegment(c2.c(3, '!'));
  assert.equal(rec.stream(o2!.info.flow, 'c2s'), 'two!');
  ft.onSegment(c2.c(4, '', { flags: F.RST }));
  ft.tick(c2.ts + 200_000);
  ft.onSegment(c1.c(3, 'late')); // tombstone of flow 1: nothing
  assert.equal(rec.of('open').length, 2);
  assert.equal(ft.stats().flowsTotal.rst, 2);
});

test('matchSegment on IPv6: a difference in any one byte of either address is another tuple', () => {
  // The addresses are compared four bytes at a time (flow-key.ts same16): every byte position counts.
  const a = parseIp6('2001:db8:85a3::8a2e:370:7334');
  const b = parseIp6('fe80::1ff:fe23:4567:890a');
  const f6 = new FlowState(1, 0, 6, 0, 0, Buffer.concat([a, b]), 40000, 25, [], 0);
  const text = (x: Buffer): string => `[${[...Array(8).keys()].map((i) => x.readUInt16BE(i * 2).toString(16)).join(':')}]`;
  assert.equal(matchSegment(f6, mkSeg({ src: `${text(a)}:40000`, dst: `${text(b)}:25`, seq: 1 })), Side.A);
  assert.equal(matchSegment(f6, mkSeg({ src: `${text(b)}:25`, dst: `${text(a)}:40000`, seq: 1 })), Side.B);
  for (let i = 0; i < 16; i++) {
    for (const which of [0, 1]) {
      const x = Buffer.from(which === 0 ? a : b);
      x[i] = x[i]! ^ 0x01;
      const sa = which === 0 ? x : a;
      const sb = which === 1 ? x : b;
      assert.equal(matchSegment(f6, mkSeg({ src: `${text(sa)}:40000`, dst: `${text(sb)}:25`, seq: 1 })), Side.None, `byte ${i} of ${which === 0 ? 'A' : 'B'} (A->B)`);
      assert.equal(matchSegment(f6, mkSeg({ src: `${text(sb)}:25`, dst: `${text(sa)}:40000`, seq: 1 })), Side.None, `byte ${i} of ${which === 0 ? 'A' : 'B'} (B->A)`);
    }
  }
});
