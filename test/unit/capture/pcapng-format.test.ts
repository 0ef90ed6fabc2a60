import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapngReader, isPcapngMagic } from '../../../src/capture/pcapng-format.js';
import { CORRUPT, NEED_MORE } from '../../../src/capture/record-reader.js';
import { ngBlock, ngEpb, ngIdb, ngObsoletePb, ngShb, ngSpb, packetBytes } from './capture-builders.js';
import { readAllRecords } from './capture-builders.js';
import type { SeenFrame as Seen } from './capture-builders.js';

const readAll = readAllRecords;

const T0 = 1_732_000_000n;

/** A section with two interfaces (Ethernet in ns, raw IP in 2^-10 s), an unknown block, EPB and SPB. */
function section(le: boolean): { bytes: Buffer; want: Seen[] } {
  const p1 = packetBytes(74, 1);
  const p2 = packetBytes(33, 2);
  const p3 = packetBytes(1500, 3);
  const p4 = packetBytes(20, 4);
  const bytes = Buffer.concat([
    ngShb(le),
    ngIdb(le, 1, 128, { tsresol: 9 }), // snaplen 128: the SPB below is cut to it
    ngIdb(le, 101, 0, { tsresol: 0x80 | 10, tsoffset: 10n }),
    ngEpb(le, 0, T0 * 1_000_000_000n + 111_222_999n, p1),
    ngBlock(le, 0x0bad, Buffer.from('an unknown block type, skipped by its length')),
    ngBlock(le, 5, Buffer.alloc(8)), // interface statistics: skipped
    ngEpb(le, 1, T0 * 1024n + 512n, p2, 40),
    ngSpb(le, p3.subarray(0, 128), 1500), // a writer stores only the snaplen's bytes
    ngObsoletePb(le, 1, T0 * 1024n + 1n, p4),
  ]);
  const t1 = Number(T0) * 1_000_000 + 111_222;
  const t2 = (Number(T0) + 10) * 1_000_000 + 500_000;
  const want: Seen[] = [
    { tsMicros: t1, linkType: 1, caplen: 74, wirelen: 74, data: p1 },
    { tsMicros: t2, linkType: 101, caplen: 33, wirelen: 40, data: p2 },
    { tsMicros: t2, linkType: 1, caplen: 128, wirelen: 1500, data: p3.subarray(0, 128) },
    { tsMicros: (Number(T0) + 10) * 1_000_000 + 976, linkType: 101, caplen: 20, wirelen: 20, data: p4 },
  ];
  return { bytes, want };
}

for (const le of [true, false]) {
  test(`pcapng ${le ? 'little' : 'big'}-endian: two interfaces, tsresol, SPB, obsolete PB, unknown blocks`, () => {
    const { bytes, want } = section(le);
    const { frames, stop, at } = readAll(new PcapngReader(), bytes);
    assert.equal(stop, NEED_MORE);
    assert.equal(at, bytes.length);
    assert.deepEqual(frames, want);
  });
}

test('a second SHB in the other byte order resets the interfaces', () => {
  const a = section(true);
  const b = section(false);
  const { frames } = readAll(new PcapngReader(), Buffer.concat([a.bytes, b.bytes]));
  assert.deepEqual(frames, [...a.want, ...b.want]);
  // interface 1 of the first section is forgotten by the second SHB
  const reader = new PcapngReader();
  const out = readAll(reader, Buffer.concat([a.bytes, ngShb(false), ngIdb(false, 1, 0), ngEpb(false, 1, 0n, packetBytes(10, 1))]));
  assert.equal(out.stop, CORRUPT);
  assert.match(reader.error, /undeclared interface 1/);
});

test('SPB without an interface, and EPB for an unknown interface, are corrupt', () => {
  const r1 = new PcapngReader();
  assert.equal(readAll(r1, Buffer.concat([ngShb(true), ngSpb(true, packetBytes(8, 1))])).stop, CORRUPT);
  assert.match(r1.error, /before any interface/);
  const r2 = new PcapngReader();
  assert.equal(readAll(r2, Buffer.concat([ngShb(true), ngIdb(true, 1, 0), ngEpb(true, 3, 0n, packetBytes(8, 1))])).stop, CORRUPT);
});

test('the SHB magic is recognised; a file must start with an SHB', () => {
  assert.equal(isPcapngMagic(0x0a0d0d0a), true);
  const reader = new PcapngReader();
  const out = readAll(reader, ngIdb(true, 1, 0));
  assert.equal(out.stop, CORRUPT);
  assert.match(reader.error, /first block/);
});

test('corrupt section headers: byte-order magic, version, too short', () => {
  const badBom = ngShb(true);
  badBom.writeUInt32LE(0x12345678, 8);
  const r1 = new PcapngReader();
  assert.equal(readAll(r1, badBom).stop, CORRUPT);
  assert.match(r1.error, /byte-order magic/);
  const r2 = new PcapngReader();
  assert.equal(readAll(r2, ngShb(false, 2, 0)).stop, CORRUPT);
  assert.match(r2.error, /version 2\.0/);
  const r3 = new PcapngReader();
  assert.equal(readAll(r3, ngBlock(true, 0x0a0d0d0a, Buffer.from([0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0]))).stop, CORRUPT);
  assert.match(r3.error, /too short/);
});

test('block lengths: not a multiple of 4, below 12, trailer mismatch, over the block cap', () => {
  const base = Buffer.concat([ngShb(true), ngIdb(true, 1, 0)]);
  const cases: Array<[Buffer, RegExp]> = [];
  const odd = ngEpb(true, 0, 0n, packetBytes(8, 1));
  odd.writeUInt32LE(odd.length - 2, 4);
  cases.push([odd, /bad block length/]);
  const tiny = Buffer.alloc(12);
  tiny.writeUInt32LE(6, 0);
  tiny.writeUInt32LE(8, 4);
  cases.push([tiny, /bad block length 8/]);
  const trailer = ngEpb(true, 0, 0n, packetBytes(8, 1));
  trailer.writeUInt32LE(4, trailer.length - 4);
  cases.push([trailer, /trailing length/]);
  for (const [block, why] of cases) {
    const reader = new PcapngReader();
    const out = readAll(reader, Buffer.concat([base, block]));
    assert.equal(out.stop, CORRUPT, String(why));
    assert.equal(out.at, base.length);
    assert.match(reader.error, why);
  }
  // the block cap: at the limit read, one step (4 bytes) past it corrupt
  const block = ngBlock(true, 0x0bad, Buffer.alloc(100 - 12));
  assert.equal(readAll(new PcapngReader(262144, 100), Buffer.concat([ngShb(true), block])).stop, NEED_MORE);
  const reader = new PcapngReader(262144, 96);
  assert.equal(readAll(reader, Buffer.concat([ngShb(true), block])).stop, CORRUPT);
  assert.match(reader.error, /exceeds 96/);
});

test('EPB caplen at the limit is read, one past it is corrupt; caplen past its block is corrupt', () => {
  const head = Buffer.concat([ngShb(true), ngIdb(true, 1, 0)]);
  assert.equal(readAll(new PcapngReader(64), Buffer.concat([head, ngEpb(true, 0, 0n, packetBytes(64, 1))])).frames.length, 1);
  const r1 = new PcapngReader(64);
  assert.equal(readAll(r1, Buffer.concat([head, ngEpb(true, 0, 0n, packetBytes(65, 1))])).stop, CORRUPT);
  assert.match(r1.error, /65 exceeds 64/);
  const overrun = ngEpb(true, 0, 0n, packetBytes(16, 1));
  overrun.writeUInt32LE(200, 20);
  const r2 = new PcapngReader();
  assert.equal(readAll(r2, Buffer.concat([head, overrun])).stop, CORRUPT);
  assert.match(r2.error, /overruns its block/);
});

test('an incomplete block asks for its whole length', () => {
  const epb = ngEpb(true, 0, 0n, packetBytes(300, 1));
  const buf = Buffer.concat([ngShb(true), ngIdb(true, 1, 0), epb]);
  const reader = new PcapngReader();
  const out = readAll(reader, buf.subarray(0, buf.length - 1));
  assert.equal(out.stop, NEED_MORE);
  assert.equal(reader.needed, epb.length);
  assert.equal(reader.next(buf, 0, 11, { tsMicros: 0, linkType: 0, caplen: 0, wirelen: 0, data: buf }), NEED_MORE);
  assert.equal(reader.needed, 12);
});
