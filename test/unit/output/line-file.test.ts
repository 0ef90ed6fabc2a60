import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineFile } from '../../../src/output/line-file.js';
import type { EventName } from '../../../src/records/types.js';

function line(n: number): string {
  return `${JSON.stringify({ n, pad: 'x'.repeat(100) })}\n`;
}

test('lines wait for a full chunk or maxDelayMs; events are counted when their bytes land', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-lf-'));
  try {
    const path = join(dir, 'e.ndjson');
    const written: EventName[] = [];
    const f = new LineFile(path, 0o600, { maxDelayMs: 30, onWritten: (e) => written.push(e) }, 3 * line(0).length);
    f.write(line(0));
    f.noteEvent('anomaly');
    f.write(line(1));
    f.noteEvent('smtp_session');
    assert.equal(readFileSync(path, 'utf8'), '', 'below the chunk size: buffered');
    assert.deepEqual(written, []);
    f.write(line(2));
    f.noteEvent('smtp_transaction'); // the chunk is full: one write(2)
    assert.deepEqual(written, ['anomaly', 'smtp_session', 'smtp_transaction']);
    f.write(line(3));
    f.noteEvent('anomaly');
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(written.length, 4, 'the timer wrote the lone line');
    f.close();
    assert.deepEqual(readFileSync(path, 'utf8').split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { n: number }).n), [0, 1, 2, 3]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A short write without root: RLIMIT_FSIZE (ulimit -f, SIGXFSZ ignored) makes write(2) stop at
// the limit and then fail with EFBIG, exactly as a disk filling up mid-chunk does with ENOSPC.
test('a write cut short (RLIMIT_FSIZE): the file is cut back to the last whole line, the rest counted dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-lf-'));
  try {
    const path = join(dir, 'e.ndjson');
    const mod = new URL('../../../src/output/line-file.js', import.meta.url).href;
    const script = `
      import { LineFile } from ${JSON.stringify(mod)};
      const c = { written: 0, dropped: 0, failing: [] };
      const f = new LineFile(process.argv[1], 0o600, { retryMinMs: 1, retryMaxMs: 1,
        onWritten: () => c.written++, onDropped: () => c.dropped++, onFailing: (e) => c.failing.push(e.code) }, 4096);
      for (let n = 0; n < 200; n++) { f.write(JSON.stringify({ n, pad: 'x'.repeat(100) }) + '\\n'); f.noteEvent('anomaly'); }
      f.close();
      process.stdout.write(JSON.stringify(c));
    `;
    // 16 blocks of 512 bytes: the limit falls inside the second or third 4 KiB chunk, mid-line.
    const r = spawnSync('sh', ['-c', 'trap "" XFSZ; ulimit -f 16; exec "$@"', 'sh', process.execPath, ...process.execArgv, '--input-type=module', '-e', script, path], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout) as { written: number; dropped: number; failing: string[] };
    assert.deepEqual(c.failing, ['EFBIG'], 'one episode');
    assert.equal(c.written + c.dropped, 200);
    assert.ok(c.written > 0 && c.dropped > 0);
    const text = readFileSync(path, 'utf8');
    assert.ok(Buffer.byteLength(text) <= 16 * 512);
    assert.ok(text.endsWith('\n'), 'no half line at the end');
    const ns = text.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { n: number }).n);
    assert.deepEqual(ns, Array.from({ length: c.written }, (_, i) => i), 'exactly the lines counted written, in order');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
