import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addonCandidates, loadNativeAddon } from '../../../src/capture/native-addon.js';
import type { NativeAddon, NativeBatchHandler, NativeHandle, NativeOpenOptions, NativeProgram, NativeStats } from '../../../src/capture/native-addon.js';
import { DEFAULT_NATIVE_TUNING, RECORD_HEADER_BYTES, deliverBatch, openNativeSource } from '../../../src/capture/native-source.js';
import type { BatchResult } from '../../../src/capture/native-source.js';
import type { RawFrame } from '../../../src/capture/types.js';
import { CaptureError, ConfigError } from '../../../src/shared/errors.js';

// What needs no privilege: the batch layout parser, the source's state machine over a fake addon,
// the open-error messages and the missing-addon message. Real capture: test/integration/
// live-capture-native.test.ts.

interface Rec {
  sec: number;
  usec: number;
  wirelen: number;
  data: Buffer;
}

/** A batch as the addon writes it: 16-byte native-endian header, bytes, padding to 4. */
function buildBatch(recs: readonly Rec[], extraCapacity = 0): { ab: ArrayBuffer; used: number } {
  let used = 0;
  for (const r of recs) used += RECORD_HEADER_BYTES + ((r.data.length + 3) & ~3);
  const ab = new ArrayBuffer(used + extraCapacity);
  const words = new Uint32Array(ab);
  const bytes = new Uint8Array(ab);
  let off = 0;
  for (const r of recs) {
    words.set([r.sec, r.usec, r.data.length, r.wirelen], off >>> 2);
    bytes.set(r.data, off + RECORD_HEADER_BYTES);
    off += RECORD_HEADER_BYTES + ((r.data.length + 3) & ~3);
  }
  return { ab, used };
}

interface Seen {
  ts: number;
  caplen: number;
  wirelen: number;
  hex: string;
  sameMemory: boolean;
}

function collect(ab: ArrayBuffer, used: number, lastTs = 0): { seen: Seen[]; result: BatchResult } {
  const seen: Seen[] = [];
  const frame: RawFrame = { tsMicros: 0, linkType: 1, caplen: 0, wirelen: 0, data: Buffer.alloc(0) };
  const result: BatchResult = { frames: -1, bytes: -1, malformedBytes: -1, lastTsMicros: -1 };
  deliverBatch(Buffer.from(ab, 0, used), new Uint32Array(ab, 0, used >>> 2), used, frame, (f) => {
    seen.push({ ts: f.tsMicros, caplen: f.caplen, wirelen: f.wirelen, hex: f.data.toString('hex'), sameMemory: f.data.buffer === ab });
  }, lastTs, result);
  return { seen, result };
}

test('deliverBatch: every record, with real wirelen (caplen < wirelen kept), padding skipped, views into the batch', () => {
  const recs: Rec[] = [
    { sec: 1_700_000_000, usec: 1, wirelen: 8, data: Buffer.from('0102030405060708', 'hex') },
    { sec: 1_700_000_000, usec: 999_999, wirelen: 1514, data: Buffer.from('aabbccddee', 'hex') }, // cut by the snaplen, padded by 3
    { sec: 1_700_000_001, usec: 0, wirelen: 1, data: Buffer.from('ff', 'hex') }, // ends exactly at `used` after padding
  ];
  const { ab, used } = buildBatch(recs, 64);
  const { seen, result } = collect(ab, used);
  assert.deepEqual(
    seen.map(({ ts, caplen, wirelen, hex }) => ({ ts, caplen, wirelen, hex })),
    recs.map((r) => ({ ts: r.sec * 1_000_000 + r.usec, caplen: r.data.length, wirelen: r.wirelen, hex: r.data.toString('hex') })),
  );
  assert.ok(seen.every((s) => s.sameMemory), 'frames are views of the batch, not copies');
  assert.deepEqual(result, { frames: 3, bytes: 14, malformedBytes: 0, lastTsMicros: 1_700_000_001_000_000 });
});

test('deliverBatch: timestamps never decrease, also across a batch boundary', () => {
  const a = buildBatch([{ sec: 100, usec: 500, wirelen: 4, data: Buffer.from('00000001', 'hex') }]);
  const first = collect(a.ab, a.used);
  const b = buildBatch([
    { sec: 100, usec: 400, wirelen: 4, data: Buffer.from('00000002', 'hex') }, // earlier than the last of batch a
    { sec: 100, usec: 600, wirelen: 4, data: Buffer.from('00000003', 'hex') },
  ]);
  const second = collect(b.ab, b.used, first.result.lastTsMicros);
  assert.deepEqual(second.seen.map((s) => s.ts), [100_000_500, 100_000_600]);
  assert.equal(second.result.lastTsMicros, 100_000_600);
});

test('deliverBatch: a record running past `used` or a partial header is counted, not delivered, not thrown', () => {
  const whole = { sec: 1, usec: 0, wirelen: 4, data: Buffer.from('01020304', 'hex') };
  const { ab, used } = buildBatch([whole, { sec: 1, usec: 1, wirelen: 40, data: Buffer.alloc(40, 7) }]);
  // cut the second record's payload short: its header claims 40 bytes, only 20 are inside `used`
  const cut = used - 20;
  const r1 = collect(ab, cut);
  assert.equal(r1.seen.length, 1);
  assert.deepEqual(r1.result, { frames: 1, bytes: 4, malformedBytes: RECORD_HEADER_BYTES + 20, lastTsMicros: 1_000_000 });
  // only 8 bytes of the second header
  const r2 = collect(ab, RECORD_HEADER_BYTES + 4 + 8);
  assert.deepEqual(r2.result, { frames: 1, bytes: 4, malformedBytes: 8, lastTsMicros: 1_000_000 });
  // an empty batch delivers nothing
  assert.deepEqual(collect(ab, 0).result, { frames: 0, bytes: 0, malformedBytes: 0, lastTsMicros: 0 });
});

/** A fake addon: records what was asked, lets the test push batches, the end marker and errors. */
class FakeAddon implements NativeAddon {
  opened: NativeOpenOptions | null = null;
  onBatch: NativeBatchHandler | null = null;
  stops = 0;
  openError: (Error & { code?: string }) | null = null;
  native: NativeStats = { recv: 0, drop: 0, ifdrop: 0, batchDrops: 0, batchDropPackets: 0, batchDropBytes: 0, error: null };
  readonly handle = {} as NativeHandle;
  open(opts: NativeOpenOptions): { handle: NativeHandle; linkType: number } {
    this.opened = opts;
    if (this.openError !== null) throw this.openError;
    return { handle: this.handle, linkType: 276 };
  }
  start(handle: NativeHandle, onBatch: NativeBatchHandler): void {
    assert.equal(handle, this.handle);
    this.onBatch = onBatch;
  }
  stop(): void {
    this.stops++;
  }
  stats(): NativeStats {
    return { ...this.native };
  }
  devices(): string[] {
    return ['lo', 'veth-x'];
  }
  compile(): NativeProgram {
    throw new Error('not used here');
  }
  match(): boolean {
    throw new Error('not used here');
  }
  /** Like the addon: the batch buffer is detached after the callback, so kept views read as empty. */
  push(ab: ArrayBuffer | null, used: number, records: number): void {
    assert.ok(this.onBatch !== null);
    this.onBatch(ab, used, records);
    if (ab !== null) structuredClone(ab, { transfer: [ab] });
  }
}

const CFG = { interface: 'veth-x', filter: 'tcp port 25', snaplen: 96, buffer_mb: 8192, promiscuous: false };

test('open passes snaplen, promiscuous, filter, the clamped buffer and the default tuning', () => {
  const fake = new FakeAddon();
  const src = openNativeSource(CFG, fake);
  assert.equal(src.description, 'live:veth-x (native)');
  assert.deepEqual(fake.opened, {
    iface: 'veth-x',
    filter: 'tcp port 25',
    snaplen: 96,
    promisc: false,
    bufferBytes: 0x7fffffff, // 8 GiB does not fit pcap_set_buffer_size's int
    ...DEFAULT_NATIVE_TUNING,
  });
  openNativeSource({ ...CFG, buffer_mb: 4, tuning: { maxBatches: 2, flushMs: 1 } }, fake);
  assert.equal(fake.opened?.bufferBytes, 4 * 1024 * 1024);
  assert.equal(fake.opened?.maxBatches, 2);
  assert.equal(fake.opened?.flushMs, 1);
  assert.equal(fake.opened?.batchBytes, DEFAULT_NATIVE_TUNING.batchBytes);
});

test('fanout: the group reaches the addon only when asked for; a refused join names the group key', () => {
  const fake = new FakeAddon();
  openNativeSource(CFG, fake);
  assert.equal('fanoutGroup' in (fake.opened ?? {}), false, 'no fanout unless configured');
  openNativeSource({ ...CFG, fanoutGroup: 4242 }, fake);
  assert.equal(fake.opened?.fanoutGroup, 4242);
  fake.openError = Object.assign(new Error('PACKET_FANOUT group 4242 (hash): Invalid argument'), { code: 'EFANOUT' });
  assert.throws(
    () => openNativeSource({ ...CFG, fanoutGroup: 4242 }, fake),
    (err: unknown) => err instanceof CaptureError && /"veth-x": PACKET_FANOUT group 4242 \(hash\): Invalid argument; .*same interface.*capture\.fanout\.group/.test(err.message),
  );
});

test('the built addon: fanoutGroup out of range is refused before anything opens', () => {
  const addon = loadNativeAddon();
  const opts = { iface: 'lo', filter: 'tcp', snaplen: 96, promisc: false, bufferBytes: 1 << 20, timeoutMs: 10, batchBytes: 1 << 16, maxBatches: 2, flushMs: 10, immediate: false };
  assert.throws(() => addon.open({ ...opts, fanoutGroup: 65536 }), /fanoutGroup must be 0\.\.65535/);
});

test('run delivers batches in order with the link type, then resolves stopped after the end marker', async () => {
  const fake = new FakeAddon();
  const src = openNativeSource(CFG, fake);
  const got: Array<{ linkType: number; ts: number; wirelen: number; hex: string }> = [];
  const kept: Buffer[] = [];
  const done = src.run((f) => {
    got.push({ linkType: f.linkType, ts: f.tsMicros, wirelen: f.wirelen, hex: f.data.toString('hex') });
    kept.push(f.data);
  });
  const a = buildBatch([{ sec: 5, usec: 0, wirelen: 1500, data: Buffer.from('c0ffee', 'hex') }]);
  const b = buildBatch([{ sec: 5, usec: 1, wirelen: 2, data: Buffer.from('beef', 'hex') }]);
  fake.push(a.ab, a.used, 1);
  fake.push(b.ab, b.used, 1);
  src.stop();
  src.stop();
  assert.equal(fake.stops, 1, 'stop is idempotent');
  fake.push(null, 0, 0);
  assert.deepEqual(await done, { kind: 'stopped' });
  assert.deepEqual(got, [
    { linkType: 276, ts: 5_000_000, wirelen: 1500, hex: 'c0ffee' },
    { linkType: 276, ts: 5_000_001, wirelen: 2, hex: 'beef' },
  ]);
  assert.deepEqual(kept.map((k) => k.length), [0, 0], 'views kept past the callback are emptied with the detached batch (BORROWED)');
  assert.deepEqual(src.stats(), { frames: 2, bytes: 5, dropsKernel: 0, dropsInterface: 0 });
  assert.deepEqual(await src.run(() => {}), { kind: 'stopped' });
});

test('stats: socket drops plus whole-batch drops are kernel drops; ifdrop is the interface', () => {
  const fake = new FakeAddon();
  const src = openNativeSource(CFG, fake);
  fake.native = { recv: 1000, drop: 7, ifdrop: 3, batchDrops: 2, batchDropPackets: 40, batchDropBytes: 4000, error: null };
  assert.deepEqual(src.stats(), { frames: 0, bytes: 0, dropsKernel: 47, dropsInterface: 3 });
  assert.equal(src.nativeStats().batchDropBytes, 4000);
  assert.equal(src.nativeStats().malformedBytes, 0);
});

test('a capture thread error rejects run with a CaptureError naming the interface', async () => {
  const fake = new FakeAddon();
  const src = openNativeSource(CFG, fake);
  const done = src.run(() => {});
  fake.native.error = 'The interface went down';
  fake.push(null, 0, 0);
  await assert.rejects(done, (err: unknown) => {
    assert.ok(err instanceof CaptureError);
    assert.match(err.message, /"veth-x" failed: The interface went down/);
    return true;
  });
  assert.equal(fake.stops, 1, 'the handle is closed');
});

test('a throwing frame handler stops the capture and rejects run with its error', async () => {
  const fake = new FakeAddon();
  const src = openNativeSource(CFG, fake);
  let calls = 0;
  const boom = new Error('handler bug');
  const done = src.run(() => {
    calls++;
    throw boom;
  });
  const a = buildBatch([
    { sec: 1, usec: 0, wirelen: 1, data: Buffer.from('01', 'hex') },
    { sec: 1, usec: 1, wirelen: 1, data: Buffer.from('02', 'hex') },
  ]);
  fake.push(a.ab, a.used, 2);
  assert.equal(fake.stops, 1);
  const b = buildBatch([{ sec: 1, usec: 2, wirelen: 1, data: Buffer.from('03', 'hex') }]);
  fake.push(b.ab, b.used, 1); // already queued by the thread: not delivered
  fake.push(null, 0, 0);
  await assert.rejects(done, (err: unknown) => err === boom);
  assert.equal(calls, 1);
});

test('a filter libpcap does not compile (EBPF) is a configuration error naming capture.filter (exit 1: systemd does not retry it)', () => {
  const fake = new FakeAddon();
  fake.openError = Object.assign(new Error("can't parse filter expression: syntax error"), { code: 'EBPF' });
  assert.throws(
    () => openNativeSource({ ...CFG, filter: 'tcp portt 25' }, fake),
    (err: unknown) => err instanceof ConfigError && err.problems[0] === 'capture.filter: can\'t parse filter expression: syntax error (filter "tcp portt 25")',
  );
});

test('open errors: EPERM names the interface and the capabilities, ENODEV lists devices, others name the filter', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['EPERM', 'pcap_activate: socket: Operation not permitted', /"veth-x": permission denied .*root or CAP_NET_RAW and CAP_NET_ADMIN/],
    ['ENODEV', 'pcap_activate: No such device exists', /"veth-x": no such interface; available devices: lo, veth-x/],
    ['EPCAP', 'pcap_compile: syntax error', /"veth-x" with filter "tcp port 25": pcap_compile: syntax error/],
  ];
  for (const [code, message, expected] of cases) {
    const fake = new FakeAddon();
    fake.openError = Object.assign(new Error(message), { code });
    assert.throws(
      () => openNativeSource(CFG, fake),
      (err: unknown) => {
        assert.ok(err instanceof CaptureError);
        assert.equal(err.code, 'E_CAPTURE_OPEN');
        assert.match(err.message, expected);
        return true;
      },
    );
  }
});

test('an addon that is not built (or does not load) is a CaptureError saying how to build it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-native-'));
  try {
    const missing = join(dir, 'pcap_batch.node');
    assert.throws(
      () => loadNativeAddon([missing]),
      (err: unknown) => err instanceof CaptureError && err.message.includes('not built') && err.message.includes('npm run build:native') && err.message.includes(missing),
    );
    writeFileSync(missing, 'not an ELF object');
    assert.throws(
      () => loadNativeAddon([missing]),
      (err: unknown) => err instanceof CaptureError && /did not load: .*npm run build:native/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(addonCandidates().every((p) => p.endsWith(join('native', 'pcap-batch', 'build', 'Release', 'pcap_batch.node'))));
});

test('the built addon: a nonexistent interface is a CaptureError listing the devices (npm run build:native first)', () => {
  const name = `nosuch${process.pid % 100000}`;
  assert.throws(
    () => openNativeSource({ ...CFG, interface: name }),
    (err: unknown) => {
      assert.ok(err instanceof CaptureError, String(err));
      assert.ok(err.message.includes(`"${name}"`), err.message);
      assert.match(err.message, /no such interface; available devices: .*\blo\b/);
      return true;
    },
  );
});
