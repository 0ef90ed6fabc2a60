import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { openFileSource } from '../../../src/capture/file-source.js';
import { CaptureFileError } from '../../../src/shared/errors.js';
import type { SourceEnd } from '../../../src/capture/types.js';
import { fixture } from '../../helpers/paths.js';
import { ngBlock, ngEpb, ngIdb, ngShb, ngSpb, packetBytes, pcapFile, pcapHeader } from './capture-builders.js';

interface Seen {
  tsMicros: number;
  linkType: number;
  caplen: number;
  wirelen: number;
  data: Buffer;
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailtap-capture-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function tmpFile(name: string, bytes: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

async function readFrames(paths: string[], chunkBytes?: number): Promise<{ frames: Seen[]; end: SourceEnd; warnings: string[] }> {
  const warnings: string[] = [];
  const source = openFileSource(paths, { onWarning: (m) => warnings.push(m), ...(chunkBytes === undefined ? {} : { chunkBytes }) });
  const frames: Seen[] = [];
  const end = await source.run((f) => {
    const { tsClamped, ...rest } = f;
    frames.push({ ...rest, data: Buffer.from(f.data), ...(tsClamped === true ? { tsClamped } : {}) });
  });
  const st = source.stats();
  assert.equal(st.frames, frames.length);
  assert.equal(st.bytes, frames.reduce((n, f) => n + f.caplen, 0));
  return { frames, end, warnings };
}

const T0 = 1_732_000_000;
/** Record sizes around the tiny chunk sizes, and one much larger than any of them. */
const SIZES = [0, 1, 6, 7, 8, 50, 63, 64, 65, 99, 100, 101, 5000, 3, 1514];

function pcapBytes(le: boolean, nanos: boolean): Buffer {
  return pcapFile(
    { le, nanos },
    SIZES.map((len, i) => ({ sec: T0 + i, frac: nanos ? i * 1_000_123 : i * 1000, data: packetBytes(len, i), wirelen: len + i })),
  );
}

function pcapngBytes(): Buffer {
  const blocks: Buffer[] = [ngShb(true), ngIdb(true, 1, 0, { tsresol: 9 }), ngIdb(true, 113, 0)];
  let le = true;
  SIZES.forEach((len, i) => {
    blocks.push(ngEpb(le, i % 2, BigInt(T0 + i) * (i % 2 === 0 ? 1_000_000_000n : 1_000_000n) + BigInt(i), packetBytes(len, i)));
    if (i === 5) blocks.push(ngBlock(true, 0x0bad, packetBytes(70, 99)), ngShb(false), ngIdb(false, 1, 0, { tsresol: 9 }), ngIdb(false, 113, 0));
    if (i === 5) le = false; // the rest of the file is a big-endian section
  });
  blocks.push(ngSpb(false, packetBytes(42, 77)));
  return Buffer.concat(blocks);
}

for (const [label, bytes] of [
  ['pcap LE us', pcapBytes(true, false)],
  ['pcap BE ns', pcapBytes(false, true)],
  ['pcapng', pcapngBytes()],
] as const) {
  test(`${label}: records straddling chunk boundaries read the same at every chunk size`, async () => {
    const path = tmpFile(`chunks-${label.replace(/ /g, '-')}.cap`, bytes);
    const whole = await readFrames([path]);
    assert.deepEqual(whole.end, { kind: 'eof' });
    assert.equal(whole.warnings.length, 0);
    assert.ok(whole.frames.length >= SIZES.length);
    SIZES.forEach((len, i) => {
      assert.equal(whole.frames[i]!.caplen, len);
      assert.deepEqual(whole.frames[i]!.data, packetBytes(len, i));
      assert.equal(Math.floor(whole.frames[i]!.tsMicros / 1_000_000), T0 + i);
    });
    for (const chunk of [7, 64, 100, 4099]) {
      const part = await readFrames([path], chunk);
      assert.deepEqual(part.end, { kind: 'eof' });
      assert.deepEqual(part.frames, whole.frames, `chunkBytes ${chunk}`);
    }
  });
}

test('frames are views into one reused buffer and one reused frame object', async () => {
  const path = tmpFile('views.pcap', pcapBytes(true, false));
  const source = openFileSource([path], { onWarning: () => {} });
  const frames = new Set<object>();
  const arrays = new Set<ArrayBufferLike>();
  await source.run((f) => {
    frames.add(f);
    arrays.add(f.data.buffer);
  });
  assert.equal(frames.size, 1);
  assert.equal(arrays.size, 1);
});

for (const [label, bytes, cut] of [
  ['pcap', pcapBytes(true, false), 24 + SIZES.slice(0, -1).reduce((n, s) => n + 16 + s, 0)],
  ['pcapng', pcapngBytes(), pcapngBytes().length - ngSpb(false, packetBytes(42, 77)).length],
] as const) {
  test(`${label}: a truncated last record is a warning naming the file and offset`, async () => {
    const full = await readFrames([tmpFile(`full-${label}`, bytes)]);
    for (const drop of [1, 5]) {
      const path = tmpFile(`trunc-${label}-${drop}`, bytes.subarray(0, bytes.length - drop));
      for (const chunk of [64, undefined]) {
        const got = await readFrames([path], chunk);
        assert.deepEqual(got.end, { kind: 'truncated', file: path, offset: cut });
        assert.equal(got.warnings.length, 1);
        assert.ok(got.warnings[0]!.includes(path));
        assert.ok(got.warnings[0]!.includes(`offset ${cut}`));
        assert.deepEqual(got.frames, full.frames.slice(0, -1));
      }
    }
  });
}

async function expectCorrupt(name: string, bytes: Buffer, offset: number, why: RegExp): Promise<void> {
  const path = tmpFile(name, bytes);
  for (const chunk of [7, undefined]) {
    const source = openFileSource([path], { onWarning: () => {}, ...(chunk === undefined ? {} : { chunkBytes: chunk }) });
    await assert.rejects(source.run(() => {}), (err: unknown) => {
      assert.ok(err instanceof CaptureFileError, `${name}: ${String(err)}`);
      assert.equal(err.code, 'E_CAPTURE_FILE');
      assert.equal(err.file, path);
      assert.equal(err.offset, offset, name);
      assert.ok(err.message.includes(path));
      assert.match(err.message, why);
      return true;
    });
  }
}

test('corrupt or unknown headers reject with CaptureFileError naming the file and offset', async () => {
  await expectCorrupt('empty.pcap', Buffer.alloc(0), 0, /empty file/);
  await expectCorrupt('three-bytes.pcap', Buffer.from([0xd4, 0xc3, 0xb2]), 0, /capture header/);
  await expectCorrupt('short-header.pcap', pcapHeader({ le: true }).subarray(0, 20), 0, /capture header/);
  await expectCorrupt('text.pcap', Buffer.from('From: someone\r\n\r\nhello'), 0, /not a pcap or pcapng file \(magic 0x46726f6d\)/);
  await expectCorrupt('version.pcap', pcapHeader({ le: false, major: 1, minor: 0 }), 0, /version 1\.0/);
  const big = pcapFile({ le: true }, [{ sec: 1, frac: 0, data: packetBytes(10, 1) }, { sec: 1, frac: 0, data: packetBytes(262145, 2) }]);
  await expectCorrupt('caplen.pcap', big, 24 + 16 + 10, /262145 exceeds 262144/);
  const odd = ngIdb(true, 1, 0);
  odd.writeUInt32LE(odd.length + 2, 4);
  await expectCorrupt('odd-block.pcapng', Buffer.concat([ngShb(true), odd]), 28, /bad block length/);
  const small = Buffer.alloc(12);
  small.writeUInt32LE(1, 0);
  small.writeUInt32LE(8, 4);
  await expectCorrupt('small-block.pcapng', Buffer.concat([ngShb(true), small]), 28, /bad block length 8/);
  await expectCorrupt('version.pcapng', ngShb(true, 2, 0), 0, /version 2\.0/);
  await expectCorrupt('shb-cut.pcapng', ngShb(true).subarray(0, 20), 0, /capture header/);
});

test('a file that cannot be opened or read is a CaptureFileError at offset 0 with the errno', async () => {
  const path = join(dir, 'does-not-exist.pcap');
  const source = openFileSource([path], { onWarning: () => {} });
  await assert.rejects(source.run(() => {}), (err: unknown) => {
    assert.ok(err instanceof CaptureFileError);
    assert.equal(err.file, path);
    assert.equal(err.offset, 0);
    assert.match(err.message, /ENOENT/);
    return true;
  });
  const source2 = openFileSource([dir], { onWarning: () => {} });
  await assert.rejects(source2.run(() => {}), (err: unknown) => {
    assert.ok(err instanceof CaptureFileError);
    assert.equal(err.file, dir);
    assert.equal(err.offset, 0);
    assert.match(err.message, /EISDIR/);
    return true;
  });
});

test('several files are read in order; a truncated one does not stop the next', async () => {
  const a = tmpFile('multi-a.pcap', pcapBytes(true, false));
  const bBytes = pcapngBytes();
  const b = tmpFile('multi-b.pcapng', bBytes.subarray(0, bBytes.length - 3));
  const c = tmpFile('multi-c.pcap', pcapBytes(false, true));
  const one = await readFrames([a]);
  const two = await readFrames([b]);
  const three = await readFrames([c]);
  const all = await readFrames([a, b, c], 100);
  assert.deepEqual(all.frames, [...one.frames, ...two.frames, ...three.frames]);
  assert.equal(all.end.kind, 'truncated');
  assert.equal(all.warnings.length, 1);
});

test('stop() from inside the handler ends the run with stopped', async () => {
  const path = tmpFile('stop.pcap', pcapBytes(true, false));
  const source = openFileSource([path, path], { onWarning: () => {}, chunkBytes: 64 });
  let n = 0;
  const end = await source.run(() => {
    n++;
    if (n === 4) source.stop();
  });
  assert.deepEqual(end, { kind: 'stopped' });
  assert.equal(n, 4);
  assert.equal(source.stats().frames, 4);
});

test('pace() is awaited between chunks', async () => {
  const bytes = pcapBytes(true, false);
  const path = tmpFile('pace.pcap', bytes);
  const source = openFileSource([path], { onWarning: () => {}, chunkBytes: 1000 });
  let paces = 0;
  let framesAtPace = -1;
  let frames = 0;
  const end = await source.run(
    () => {
      frames++;
    },
    () => {
      paces++;
      framesAtPace = frames;
      return new Promise<void>((resolve) => setTimeout(resolve, 1));
    },
  );
  assert.deepEqual(end, { kind: 'eof' });
  assert.ok(paces >= Math.floor(bytes.length / 1000), `paces ${paces}`);
  assert.ok(framesAtPace > 0);
});

test("'-' reads the capture from standard input", async () => {
  const bytes = pcapngBytes();
  const expected = await readFrames([tmpFile('stdin.pcapng', bytes)]);
  const here = fileURLToPath(import.meta.url);
  const ext = here.endsWith('.ts') ? '.ts' : '.js';
  const script = join(here, '..', 'fixtures', `stdin-child${ext}`);
  const child = spawn(process.execPath, [...process.execArgv, script], {
    env: { ...process.env, MAILTAP_STDIN_CHILD: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // dribble the bytes through the pipe in uneven pieces
  for (let off = 0; off < bytes.length; off += 333) {
    child.stdin.write(bytes.subarray(off, off + 333));
    await new Promise((r) => setTimeout(r, 1));
  }
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await exited;
  clearTimeout(timer);
  assert.equal(code, 0);
  const got = JSON.parse(out) as { end: SourceEnd; ts: number[]; sha256: string; warnings: string[] };
  assert.deepEqual(got.end, { kind: 'eof' });
  assert.deepEqual(got.warnings, []);
  assert.deepEqual(got.ts, expected.frames.map((f) => f.tsMicros));
  const hash = createHash('sha256');
  for (const f of expected.frames) hash.update(f.data);
  assert.equal(got.sha256, hash.digest('hex'));
});

/** tshark's view of a file: epoch time (as integer µs, floored) and captured length per frame. */
function tsharkFrames(path: string): { ts: number[]; caplen: number[] } {
  let out: string;
  try {
    out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'tshark is needed for this test (apt-get install tshark)' : `tshark failed on ${path}: ${String(err)}`);
  }
  const ts: number[] = [];
  const caplen: number[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [epoch = '', len = ''] = line.split('\t');
    const [sec = '', frac = ''] = epoch.split('.');
    ts.push(Number(sec) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6)));
    caplen.push(Number(len));
  }
  return { ts, caplen };
}

for (const rel of [
  ['zeek', 'testing', 'btest', 'Traces', 'smtp.pcap'],
  ['zeek', 'testing', 'btest', 'Traces', 'smtp', 'smtp-bdat-cmd-invalid.pcapng'],
  ['zeek', 'testing', 'btest', 'Traces', 'smtp-attachment-msg.pcap'],
]) {
  test(`corpus ${rel.at(-1)} matches tshark frame for frame`, async () => {
    const path = fixture('corpus', ...rel);
    const want = tsharkFrames(path);
    for (const chunk of [undefined, 1000]) {
      const got = await readFrames([path], chunk);
      assert.deepEqual(got.end, { kind: 'eof' });
      assert.equal(got.frames.length, want.ts.length);
      assert.ok(got.frames.length > 0);
      assert.equal(got.frames[0]!.tsMicros, want.ts[0]);
      assert.equal(got.frames.at(-1)!.tsMicros, want.ts.at(-1));
      assert.deepEqual(got.frames.map((f) => f.tsMicros), want.ts);
      assert.deepEqual(got.frames.map((f) => f.caplen), want.caplen);
      assert.ok(got.frames.every((f) => f.linkType === 1));
    }
  });
}

type Flavour = 'pcap-le-us' | 'pcap-be-ns' | 'pcap-le-modified' | 'pcapng-le' | 'pcapng-be';

/** A capture of the given packet sizes, with each record's start offset and its expected frame. */
function buildCapture(flavour: Flavour, sizes: readonly number[]): { bytes: Buffer; starts: number[]; want: Seen[] } {
  const parts: Buffer[] = [];
  const starts: number[] = [];
  const want: Seen[] = [];
  let off = 0;
  const push = (b: Buffer, record: boolean): void => {
    if (record) starts.push(off);
    parts.push(b);
    off += b.length;
  };
  const ng = flavour.startsWith('pcapng');
  const le = flavour.includes('-le');
  const nanos = flavour === 'pcap-be-ns';
  const hdr = { le, nanos, modified: flavour === 'pcap-le-modified', linkType: 1 };
  if (ng) push(Buffer.concat([ngShb(le), ngIdb(le, 1, 0, { tsresol: 9 })]), false);
  else push(pcapHeader(hdr), false);
  sizes.forEach((len, i) => {
    const data = packetBytes(len, i);
    const ns = BigInt(T0 + i) * 1_000_000_000n + BigInt(i * 7919);
    push(ng ? ngEpb(le, 0, ns, data) : pcapFile(hdr, [{ sec: T0 + i, frac: nanos ? i * 7919 : Math.floor((i * 7919) / 1000), data }]).subarray(24), true);
    want.push({ tsMicros: (T0 + i) * 1_000_000 + Math.floor((i * 7919) / 1000), linkType: 1, caplen: len, wirelen: len, data });
  });
  return { bytes: Buffer.concat(parts), starts, want };
}

test('property: any chunk size and any cut point give the complete records, then eof or truncated at the cut record', async () => {
  const flavours: Flavour[] = ['pcap-le-us', 'pcap-be-ns', 'pcap-le-modified', 'pcapng-le', 'pcapng-be'];
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...flavours),
      fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 700 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (flavour, sizes, chunk, cutAt) => {
        const { bytes, starts, want } = buildCapture(flavour, sizes);
        const first = starts[0]!;
        const cut = first + Math.floor(cutAt * (bytes.length - first));
        const path = tmpFile(`prop-${run++}.cap`, bytes.subarray(0, cut));
        const got = await readFrames([path], chunk);
        const complete = starts.filter((s, i) => (starts[i + 1] ?? bytes.length) <= cut && s < cut).length;
        assert.deepEqual(got.frames, want.slice(0, complete));
        if (complete === starts.length || starts[complete] === cut) assert.deepEqual(got.end, { kind: 'eof' });
        else assert.deepEqual(got.end, { kind: 'truncated', file: path, offset: starts[complete] });
      },
    ),
    { numRuns: 150 },
  );
});
