import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapReader, PcapMagic, isPcapMagic } from '../../../src/capture/pcap-format.js';
import { CORRUPT, DEFAULT_MAX_CAPLEN, NEED_MORE } from '../../../src/capture/record-reader.js';
import { packetBytes, pcapFile, pcapHeader, pcapRecord } from './capture-builders.js';
import { emptyFrame, readAllRecords } from './capture-builders.js';
import type { PcapHeaderOptions, PcapRecord } from './capture-builders.js';

const readAll = readAllRecords;

const RECORDS: PcapRecord[] = [
  { sec: 1_700_000_000, frac: 123_456, data: packetBytes(60, 1) },
  { sec: 1_700_000_001, frac: 999_999, data: packetBytes(1514, 2), wirelen: 1600 },
  { sec: 1_700_000_002, frac: 0, data: packetBytes(0, 3) },
];

for (const le of [true, false]) {
  for (const variant of ['micros', 'nanos', 'modified'] as const) {
    test(`classic pcap ${le ? 'little' : 'big'}-endian ${variant}`, () => {
      const opts: PcapHeaderOptions = { le, nanos: variant === 'nanos', modified: variant === 'modified', linkType: 113 };
      const recs = RECORDS.map((r) => (variant === 'nanos' ? { ...r, frac: r.frac * 1000 + 999 } : r));
      const { frames, stop, at } = readAll(new PcapReader(), pcapFile(opts, recs));
      assert.equal(stop, NEED_MORE);
      assert.equal(at, pcapFile(opts, recs).length);
      assert.equal(frames.length, 3);
      for (let i = 0; i < 3; i++) {
        const want = RECORDS[i]!;
        const got = frames[i]!;
        // nanoseconds floor to microseconds: the +999 ns never rounds up
        assert.equal(got.tsMicros, want.sec * 1_000_000 + want.frac);
        assert.equal(got.linkType, 113);
        assert.equal(got.caplen, want.data.length);
        assert.equal(got.wirelen, want.wirelen ?? want.data.length);
        assert.deepEqual(got.data, want.data);
      }
    });
  }
}

test('magic numbers are recognised in both byte orders', () => {
  for (const m of Object.values(PcapMagic)) assert.equal(isPcapMagic(m), true);
  assert.equal(isPcapMagic(0x0a0d0d0a), false);
  assert.equal(isPcapMagic(0), false);
});

test('the link type is the low 16 bits of the header field (FCS bits ignored)', () => {
  const hdr = pcapHeader({ le: true, linkType: 1 });
  hdr.writeUInt32LE(0x14000001, 20); // F bit + FCS length 4, link type 1
  const { frames } = readAll(new PcapReader(), Buffer.concat([hdr, pcapRecord({ le: true }, RECORDS[0]!)]));
  assert.equal(frames[0]!.linkType, 1);
});

test('the frame data is a view into the input buffer, not a copy', () => {
  const buf = pcapFile({ le: true }, [RECORDS[0]!]);
  const reader = new PcapReader();
  const frame = emptyFrame();
  assert.equal(reader.next(buf, 0, buf.length, frame), 24);
  reader.next(buf, 24, buf.length, frame);
  assert.equal(frame.data.buffer, buf.buffer);
  assert.equal(frame.data.byteOffset, buf.byteOffset + 24 + 16);
});

test('incomplete header and record ask for more with the size needed', () => {
  const buf = pcapFile({ le: true }, [RECORDS[1]!]);
  const reader = new PcapReader();
  const frame = emptyFrame();
  assert.equal(reader.next(buf, 0, 23, frame), NEED_MORE);
  assert.equal(reader.inHeader, true);
  assert.equal(reader.next(buf, 0, 24, frame), 24);
  assert.equal(reader.inHeader, false);
  assert.equal(reader.next(buf, 24, 24 + 15, frame), NEED_MORE);
  assert.equal(reader.needed, 16);
  assert.equal(reader.next(buf, 24, buf.length - 1, frame), NEED_MORE);
  assert.equal(reader.needed, 16 + 1514);
  assert.equal(reader.next(buf, 24, buf.length, frame), 16 + 1514);
});

test('bad magic and version mismatch are corrupt headers', () => {
  const bad = pcapHeader({ le: true });
  bad.writeUInt32LE(0xdeadbeef, 0);
  const r1 = new PcapReader();
  assert.equal(r1.next(bad, 0, bad.length, emptyFrame()), CORRUPT);
  assert.match(r1.error, /magic 0xdeadbeef/);
  for (const le of [true, false]) {
    const r2 = new PcapReader();
    const v = pcapHeader({ le, major: 3 });
    assert.equal(r2.next(v, 0, v.length, emptyFrame()), CORRUPT);
    assert.match(r2.error, /version 3\.4/);
  }
});

test('caplen at the limit is read, one past it is corrupt', () => {
  const limit = 1000;
  const at = pcapFile({ le: false }, [{ sec: 1, frac: 2, data: packetBytes(limit, 9) }]);
  const ok = readAll(new PcapReader(limit), at);
  assert.equal(ok.frames.length, 1);
  assert.equal(ok.frames[0]!.caplen, limit);
  const past = pcapFile({ le: false }, [{ sec: 1, frac: 2, data: packetBytes(limit + 1, 9) }]);
  const reader = new PcapReader(limit);
  const bad = readAll(reader, past);
  assert.equal(bad.stop, CORRUPT);
  assert.equal(bad.at, 24);
  assert.match(reader.error, /captured length 1001 exceeds 1000/);
  assert.equal(DEFAULT_MAX_CAPLEN, 262144);
});

test('an absurd caplen is rejected before waiting for its bytes', () => {
  const hdr = pcapHeader({ le: true });
  const rec = pcapRecord({ le: true }, RECORDS[0]!);
  rec.writeUInt32LE(0x7fffffff, 8);
  const reader = new PcapReader();
  const out = readAll(reader, Buffer.concat([hdr, rec.subarray(0, 16)]));
  assert.equal(out.stop, CORRUPT);
});
