// ExtractFileWriter: per-file and total caps at the limit and one past it, dedup, gaps, temp
// cleanup, block buffering across small and large writes, and counters for every outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TotalBudget } from '../../../src/extract/budget.js';
import { BLOCK_BYTES, ExtractFileWriter, type ExtractCounters, type WriterContext } from '../../../src/extract/file-writer.js';
import { ExtractStore, TMP_DIR } from '../../../src/extract/store.js';

interface Ctx extends WriterContext {
  dir: string;
  files: string[];
  bytes: number;
}

function makeCtx(maxFileBytes: number, maxTotalBytes: number): Ctx {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-writer-'));
  const files: string[] = [];
  const ctx = { dir, files, bytes: 0 } as unknown as Ctx;
  const counters: ExtractCounters = {
    file: (kind, result) => files.push(`${kind}:${result}`),
    bytes: (n) => {
      ctx.bytes += n;
    },
  };
  Object.assign(ctx, { store: new ExtractStore(dir), budget: new TotalBudget(maxTotalBytes), maxFileBytes, counters });
  return ctx;
}

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function tmpLeft(ctx: Ctx): string[] {
  return existsSync(join(ctx.dir, TMP_DIR)) ? readdirSync(join(ctx.dir, TMP_DIR)) : [];
}

function run(name: string, fn: () => void): void {
  test(name, fn);
}

function done(ctx: Ctx): void {
  rmSync(ctx.dir, { recursive: true, force: true });
}

run('a file of exactly max_file bytes is stored under its hash, in pieces of any size', () => {
  const ctx = makeCtx(1000, 10_000);
  const data = Buffer.alloc(1000, 7);
  for (let i = 0; i < 1000; i++) data[i] = (i * 31) & 0xff;
  const w = new ExtractFileWriter(ctx, 'attachment', true);
  w.write(data.subarray(0, 1));
  w.write(data.subarray(1, 500));
  w.write(data.subarray(500));
  const path = w.end(undefined);
  assert.equal(path, join(ctx.dir, sha(data).slice(0, 2), sha(data)));
  assert.deepEqual(readFileSync(path!), data);
  assert.deepEqual(ctx.files, ['attachment:stored']);
  assert.equal(ctx.bytes, 1000);
  assert.equal(ctx.budget.usedBytes, 1000);
  assert.deepEqual(tmpLeft(ctx), []);
  done(ctx);
});

run('one byte past max_file abandons the file at once: temp removed, bytes released, too_large', () => {
  const ctx = makeCtx(1000, 10 * BLOCK_BYTES);
  const w = new ExtractFileWriter(ctx, 'attachment', true);
  w.write(Buffer.alloc(1000, 1));
  w.write(Buffer.alloc(1, 2));
  w.write(Buffer.alloc(10, 3)); // ignored after abandonment
  assert.equal(w.end(undefined), undefined);
  assert.deepEqual(ctx.files, ['attachment:too_large']);
  assert.equal(ctx.budget.usedBytes, 0);
  assert.equal(ctx.bytes, 0);
  assert.deepEqual(tmpLeft(ctx), []);
  done(ctx);
});

run('too_large after blocks already reached the disk also removes the temp file', () => {
  const max = 3 * BLOCK_BYTES;
  const ctx = makeCtx(max, 10 * BLOCK_BYTES);
  const w = new ExtractFileWriter(ctx, 'message', true);
  w.write(Buffer.alloc(2 * BLOCK_BYTES, 1)); // written straight through
  assert.equal(tmpLeft(ctx).length, 1);
  assert.equal(ctx.budget.usedBytes, 2 * BLOCK_BYTES);
  w.write(Buffer.alloc(BLOCK_BYTES + 1, 2));
  assert.deepEqual(tmpLeft(ctx), []);
  assert.equal(ctx.budget.usedBytes, 0);
  assert.deepEqual(ctx.files, ['message:too_large']);
  done(ctx);
});

run('the total cap: exactly reaching it stores, one byte past skips and counts total_cap', () => {
  const ctx = makeCtx(1000, 1500);
  const a = new ExtractFileWriter(ctx, 'attachment', true);
  a.write(Buffer.alloc(1000, 1));
  assert.ok(a.end(undefined) !== undefined);
  const b = new ExtractFileWriter(ctx, 'attachment', true);
  b.write(Buffer.alloc(500, 2));
  assert.ok(b.end(undefined) !== undefined);
  assert.equal(ctx.budget.usedBytes, 1500);
  const c = new ExtractFileWriter(ctx, 'attachment', true);
  c.write(Buffer.alloc(1, 3));
  assert.equal(c.end(undefined), undefined);
  assert.deepEqual(ctx.files, ['attachment:stored', 'attachment:stored', 'attachment:total_cap']);
  assert.equal(ctx.budget.usedBytes, 1500);
  assert.deepEqual(tmpLeft(ctx), []);
  done(ctx);
});

run('a duplicate keeps the first copy, reports the same path and gives its bytes back', () => {
  const ctx = makeCtx(1000, 1000);
  const data = Buffer.from('abcdedf');
  const a = new ExtractFileWriter(ctx, 'attachment', true);
  a.write(data);
  const p1 = a.end(undefined);
  const b = new ExtractFileWriter(ctx, 'attachment', true);
  b.write(data);
  const p2 = b.end(undefined);
  assert.equal(p1, p2);
  assert.equal(p1, join(ctx.dir, 'bb', 'bb5b9dfffcd016cd95ff1804367c73bc61444372cabcb580a4b2ea2054c514cf'));
  assert.deepEqual(ctx.files, ['attachment:stored', 'attachment:duplicate']);
  assert.equal(ctx.budget.usedBytes, 7);
  assert.equal(ctx.bytes, 7);
  assert.deepEqual(tmpLeft(ctx), []);
  done(ctx);
});

run('a gap drops the file (a joined stream is no faithful copy) and counts incomplete', () => {
  const ctx = makeCtx(1 << 20, 1 << 20);
  const w = new ExtractFileWriter(ctx, 'message', true);
  w.write(Buffer.alloc(BLOCK_BYTES + 5, 1));
  w.gap(100);
  w.write(Buffer.alloc(10, 2));
  assert.equal(w.end(undefined), undefined);
  assert.deepEqual(ctx.files, ['message:incomplete']);
  assert.equal(ctx.budget.usedBytes, 0);
  assert.deepEqual(tmpLeft(ctx), []);
  assert.deepEqual(readdirSync(ctx.dir), [TMP_DIR]);
  done(ctx);
});

run('without its own hash the writer names the file by the SHA-256 the caller passes', () => {
  const ctx = makeCtx(1000, 1000);
  const data = Buffer.from('hello');
  const w = new ExtractFileWriter(ctx, 'attachment', false);
  w.write(data);
  const p = w.end(sha(data));
  assert.equal(p, join(ctx.dir, sha(data).slice(0, 2), sha(data)));
  const x = new ExtractFileWriter(ctx, 'attachment', false);
  x.write(data);
  assert.equal(x.end(undefined), undefined, 'no hash at all: nothing stored');
  assert.deepEqual(ctx.files, ['attachment:stored', 'attachment:error']);
  assert.deepEqual(tmpLeft(ctx), []);
  done(ctx);
});

run('an empty part is stored as the empty file; abort drops an unfinished one', () => {
  const ctx = makeCtx(1000, 1000);
  const w = new ExtractFileWriter(ctx, 'attachment', true);
  const p = w.end(undefined);
  assert.equal(p, join(ctx.dir, 'e3', sha(Buffer.alloc(0))));
  assert.equal(readFileSync(p!).length, 0);
  const a = new ExtractFileWriter(ctx, 'attachment', true);
  a.write(Buffer.from('x'));
  a.abort();
  assert.equal(a.end(undefined), undefined);
  assert.deepEqual(ctx.files, ['attachment:stored', 'attachment:incomplete']);
  assert.deepEqual(tmpLeft(ctx), []);
  done(ctx);
});

run('an unwritable directory is counted as error and never throws', () => {
  const ctx = makeCtx(1000, 1000);
  const bad = { ...ctx, store: new ExtractStore(join(ctx.dir, 'missing\0dir')) };
  const w = new ExtractFileWriter(bad, 'attachment', true);
  w.write(Buffer.alloc(10));
  assert.equal(w.end(undefined), undefined);
  assert.deepEqual(ctx.files, ['attachment:error']);
  assert.equal(ctx.budget.usedBytes, 0);
  done(ctx);
});
