// FlowIndex: every open flow is found from either direction's segment, through bucket growth,
// shared buckets and equal hashes (the full compare decides), and is gone once removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowIndex } from '../../../src/flow/flow-index.js';
import { FlowState } from '../../../src/flow/flow-state.js';
import { Side, hashSegment } from '../../../src/flow/flow-key.js';
import { mkSeg } from '../../helpers/segments.js';

const client = (i: number): string => `10.${(i >> 8) & 255}.${i & 255}.1:${1024 + (i % 50000)}`;
const server = '192.0.2.25:25';

function flowOf(id: number, hash: number): FlowState {
  const s = mkSeg({ src: client(id), dst: server, seq: 1 });
  return new FlowState(id, hash, 4, s.srcIp4, s.dstIp4, null, s.srcPort, s.dstPort, [], 0);
}

test('5,000 flows (the buckets grow twice over): each found from both sides, then removed', () => {
  const idx = new FlowIndex();
  const flows: FlowState[] = [];
  for (let i = 0; i < 5000; i++) {
    const f = flowOf(i, hashSegment(mkSeg({ src: client(i), dst: server, seq: 1 })));
    idx.insert(f);
    flows.push(f);
  }
  assert.equal(idx.size, 5000);
  for (let i = 0; i < 5000; i++) {
    const c2s = mkSeg({ src: client(i), dst: server, seq: 1 });
    assert.equal(idx.find(c2s, hashSegment(c2s)), flows[i]);
    assert.equal(idx.side, Side.A);
    const s2c = mkSeg({ src: server, dst: client(i), seq: 1 });
    assert.equal(idx.find(s2c, hashSegment(s2c)), flows[i]);
    assert.equal(idx.side, Side.B);
    assert.equal(idx.get(i), flows[i]);
  }
  for (let i = 0; i < 5000; i += 2) idx.remove(flows[i]!);
  assert.equal(idx.size, 2500);
  for (let i = 0; i < 5000; i++) {
    const seg = mkSeg({ src: client(i), dst: server, seq: 1 });
    assert.equal(idx.find(seg, hashSegment(seg)), i % 2 === 0 ? null : flows[i]);
  }
});

test('flows with one hash (a collision) or one bucket are told apart by the full compare', () => {
  const idx = new FlowIndex();
  // The same hash for all, and hashes that differ only above the bucket bits.
  const same = [0, 1, 2].map((i) => flowOf(i, 12345));
  const near = [3, 4, 5].map((i) => flowOf(i, 12345 + (i << 20)));
  for (const f of [...same, ...near]) idx.insert(f);
  for (const f of [...same, ...near]) {
    const seg = mkSeg({ src: client(f.id), dst: server, seq: 1 });
    assert.equal(idx.find(seg, f.hash), f);
  }
  idx.remove(same[1]!);
  idx.remove(near[0]!);
  for (const f of [...same, ...near]) {
    const seg = mkSeg({ src: client(f.id), dst: server, seq: 1 });
    assert.equal(idx.find(seg, f.hash), f === same[1] || f === near[0] ? null : f);
  }
  // A segment whose hash matches but whose tuple does not is no flow's.
  assert.equal(idx.find(mkSeg({ src: client(99), dst: server, seq: 1 }), 12345), null);
});
