import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tombstones } from '../../../src/flow/tombstones.js';
import { FlowState } from '../../../src/flow/flow-state.js';
import { hashSegment } from '../../../src/flow/flow-key.js';
import { mkSeg, parseIp4, parseIp6 } from '../../helpers/segments.js';
import type { DecodedSegment } from '../../../src/decode/types.js';

/** A closed IPv4 flow from client 10.<i>:port to 10.0.0.1:25, and a segment of it. */
function flow4(i: number, port = 40000): { f: FlowState; seg: DecodedSegment; rev: DecodedSegment } {
  const client = `10.1.${(i >> 8) & 255}.${i & 255}`;
  const seg = mkSeg({ src: `${client}:${port}`, dst: '10.0.0.1:25', seq: 1 });
  const rev = mkSeg({ src: '10.0.0.1:25', dst: `${client}:${port}`, seq: 1 });
  const f = new FlowState(i, hashSegment(seg), 4, parseIp4(client), parseIp4('10.0.0.1'), null, port, 25, [], 0);
  return { f, seg, rev };
}

test('a record is found from both directions and only for its own 4-tuple', () => {
  const t = new Tombstones();
  const { f, seg, rev } = flow4(1);
  t.add(f, 100);
  assert.equal(t.size, 1);
  const s = t.find(seg, hashSegment(seg));
  assert.ok(s >= 0);
  assert.equal(t.find(rev, hashSegment(rev)), s);
  assert.equal(t.expiresAt(s), 100);
  const other = flow4(1, 40001).seg;
  assert.equal(t.find(other, hashSegment(other)), -1);
  // Same hash, different tuple (a forced collision): the full compare decides.
  assert.equal(t.find(other, hashSegment(seg)), -1);
});

test('IPv6 records compare the full addresses', () => {
  const t = new Tombstones();
  const seg = mkSeg({ src: '[2001:db8::10]:40000', dst: '[2001:db8::1]:25', seq: 1 });
  const ip6 = Buffer.concat([parseIp6('2001:db8::10'), parseIp6('2001:db8::1')]);
  t.add(new FlowState(1, hashSegment(seg), 6, 0, 0, ip6, 40000, 25, [], 0), 100);
  const rev = mkSeg({ src: '[2001:db8::1]:25', dst: '[2001:db8::10]:40000', seq: 1 });
  assert.ok(t.find(rev, hashSegment(rev)) >= 0);
  const near = mkSeg({ src: '[2001:db8::11]:40000', dst: '[2001:db8::1]:25', seq: 1 });
  assert.equal(t.find(near, hashSegment(seg)), -1);
  const v4 = flow4(1).seg;
  assert.equal(t.find(v4, hashSegment(seg)), -1);
});

test('expire: at the expiry the record goes, one microsecond before it stays', () => {
  const t = new Tombstones();
  const { f, seg } = flow4(1);
  t.add(f, 1000);
  t.expire(999);
  assert.equal(t.size, 1);
  t.expire(1000);
  assert.equal(t.size, 0);
  assert.equal(t.find(seg, hashSegment(seg)), -1);
});

test('a refreshed record at the head does not hold back the expiry of later ones', () => {
  const t = new Tombstones();
  const a = flow4(1);
  const b = flow4(2);
  const c = flow4(3);
  t.add(a.f, 100);
  t.add(b.f, 110);
  t.add(c.f, 500);
  t.refresh(t.find(a.seg, a.f.hash), 1000);
  t.refresh(t.find(b.seg, b.f.hash), 50); // earlier than its expiry: no change
  t.expire(200);
  assert.equal(t.size, 2);
  assert.equal(t.find(b.seg, b.f.hash), -1);
  const sa = t.find(a.seg, a.f.hash);
  assert.ok(sa >= 0);
  assert.equal(t.expiresAt(sa), 1000);
  t.expire(500);
  assert.equal(t.find(c.seg, c.f.hash), -1);
  assert.equal(t.size, 1);
  t.expire(1000);
  assert.equal(t.size, 0);
});

test('delete out of order, dropOldest, and growth past the initial ring keep every other record findable', () => {
  const t = new Tombstones();
  const n = 5000;
  const flows = Array.from({ length: n }, (_, i) => flow4(i));
  for (let i = 0; i < n; i++) {
    t.add(flows[i]!.f, 1000 + i);
    // Remove every third one as soon as it is added (a SYN reusing the 4-tuple).
    if (i % 3 === 1) t.delete(t.find(flows[i]!.seg, flows[i]!.f.hash));
  }
  const live = flows.filter((_, i) => i % 3 !== 1);
  assert.equal(t.size, live.length);
  for (const x of live) assert.ok(t.find(x.rev, x.f.hash) >= 0);
  assert.equal(t.dropOldest(), true); // flow 0
  assert.equal(t.find(flows[0]!.seg, flows[0]!.f.hash), -1);
  assert.equal(t.dropOldest(), true); // flow 2: flow 1 was deleted
  assert.equal(t.find(flows[2]!.seg, flows[2]!.f.hash), -1);
  assert.ok(t.find(flows[3]!.seg, flows[3]!.f.hash) >= 0);
  t.expire(1000 + n / 2);
  for (let i = 0; i < n; i++) {
    const found = t.find(flows[i]!.seg, flows[i]!.f.hash) >= 0;
    assert.equal(found, i % 3 !== 1 && 1000 + i > 1000 + n / 2, `flow ${i}`);
  }
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.dropOldest(), false);
  assert.equal(t.find(flows[n - 1]!.seg, flows[n - 1]!.f.hash), -1);
});

test('a full ring reuses the slots of records removed at its head instead of growing', () => {
  const t = new Tombstones();
  // Steady state: each new record replaces the oldest, far more records than the initial ring.
  for (let i = 0; i < 20_000; i++) {
    const x = flow4(i % 4096, 40000 + (i >> 12));
    t.add(x.f, i);
    t.expire(i - 100);
  }
  assert.equal(t.size, 100);
  assert.equal(t.slots, 1024, 'the ring did not grow');
});

test('a ring full of records removed out of order is compacted, not grown', () => {
  const t = new Tombstones();
  const keep = flow4(0, 39999);
  t.add(keep.f, 1e9); // a live head: trimming alone frees nothing
  for (let i = 0; i < 10_000; i++) {
    const x = flow4(i % 4096, 40000 + (i >> 12));
    t.add(x.f, 1e9);
    t.delete(t.find(x.seg, x.f.hash));
  }
  assert.equal(t.size, 1);
  assert.equal(t.slots, 1024);
  assert.ok(t.find(keep.rev, keep.f.hash) >= 0);
});

test('IPv6 records survive ring growth and requeueing with their addresses', () => {
  const t = new Tombstones();
  const n = 2500;
  const segs: DecodedSegment[] = [];
  for (let i = 0; i < n; i++) {
    const client = `2001:db8::${(i + 1).toString(16)}`;
    const seg = mkSeg({ src: `[${client}]:40000`, dst: '[2001:db8:ffff::1]:25', seq: 1 });
    const ip6 = Buffer.concat([parseIp6(client), parseIp6('2001:db8:ffff::1')]);
    t.add(new FlowState(i, hashSegment(seg), 6, 0, 0, ip6, 40000, 25, [], 0), 100 + i);
    segs.push(seg);
  }
  assert.ok(t.slots > 1024);
  t.refresh(t.find(segs[0]!, hashSegment(segs[0]!)), 1e9); // the head moves to the tail on expiry
  t.expire(100 + n / 2);
  for (let i = 0; i < n; i++) {
    const rev = mkSeg({ src: '[2001:db8:ffff::1]:25', dst: `[2001:db8::${(i + 1).toString(16)}]:40000`, seq: 1 });
    assert.equal(t.find(rev, hashSegment(rev)) >= 0, i === 0 || i > n / 2, `record ${i}`);
  }
});

test('a refreshed record deleted out of order is never requeued (soak hang: a hash chain closed into a loop)', () => {
  // test/bench/soak.ts found mailtap spinning in unlink(): expire() requeued the live head, the
  // new head was a dead slot that had been refreshed before its 4-tuple was reused, and expire()
  // requeued that dead slot too: its copy was linked into a chain, later trimmed without an
  // unlink, and the slot reused by add() linked a second time.
  const t = new Tombstones();
  const a = flow4(1);
  const b = flow4(2);
  t.add(a.f, 10);
  t.add(b.f, 10);
  const sa = t.find(a.seg, hashSegment(a.seg));
  const sb = t.find(b.seg, hashSegment(b.seg));
  t.refresh(sa, 20);
  t.refresh(sb, 20);
  t.delete(sb); // B's 4-tuple reused by a new SYN: dead, out of order, still marked refreshed
  t.expire(15); // A requeued behind; B must be skipped, not requeued
  assert.equal(t.size, 1);
  assert.ok(t.chainsConsistent(), 'no dead slot linked after expire()');
  // Wrap the ring many times over: with a chain loop, find() below never returns.
  const t0 = Date.now();
  for (let i = 3; i < 3 * t.slots; i++) {
    const r = flow4(i);
    t.add(r.f, 30 + i);
    if (i % 7 === 0) t.delete(t.find(r.seg, hashSegment(r.seg)));
    if (i % 11 === 0) t.refresh(t.find(r.seg, hashSegment(r.seg)), 30 + i + 50);
    t.expire(30 + i - 500);
  }
  assert.ok(t.chainsConsistent(), 'chains consistent after wrapping the ring');
  const absent = flow4(1, 40999).seg;
  assert.equal(t.find(absent, hashSegment(absent)), -1);
  const last = flow4(3 * t.slots - 1).seg;
  assert.ok(t.find(last, hashSegment(last)) >= 0);
  assert.ok(Date.now() - t0 < 5000, 'no quadratic chain walks');
});
