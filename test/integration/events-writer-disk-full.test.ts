// Disk full for real needs root (a tmpfs in a private mount namespace), so it lives with the
// integration tests, not in the root-free `npm run test:fast` tier (issue 12).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

interface Counts { written: number; dropped: number; failing: string[]; recovered: number[] }

// Disk full for real: a 256 KiB tmpfs in a private mount namespace (unshare -m; it vanishes with
// the child), filled by a filler file that leaves one page free so the next 64 KiB chunk is cut
// short by ENOSPC mid-line. The child reports what it saw as JSON; the file is checked inside.
test('disk full (tmpfs): a short write is rolled back to the last whole line, drops are counted, writing resumes when space returns', () => {
  assert.equal(process.getuid?.(), 0, 'this test needs root for mount namespaces and tmpfs');
  const mod = new URL('../../src/output/events-writer.js', import.meta.url).href;
  const script = `
    import { EventsWriter } from ${JSON.stringify(mod)};
    import { openSync, writeSync, closeSync, ftruncateSync, fstatSync, readFileSync, rmSync } from 'node:fs';
    const dir = process.argv[1];
    const path = dir + '/events.ndjson';
    const c = { written: 0, dropped: 0, failing: [], recovered: [] };
    const w = new EventsWriter({ path, fileMode: '0600', retryMinMs: 30, retryMaxMs: 60,
      onWritten: () => c.written++, onDropped: () => c.dropped++,
      onFailing: (e) => c.failing.push(e.code), onRecovered: (d) => c.recovered.push(d) });
    const rec = (n) => ({ ts: 't', event: 'anomaly', uid: 'C', community_id: 'x', src_ip: 'a', src_port: 1, dst_ip: 'b', dst_port: 2, name: 'flow_gap', detail: 'y'.repeat(300), n });
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    let n = 0;
    for (let i = 0; i < 100; i++) w.write(rec(n++));
    w.flush();
    const before = c.written;
    const fd = openSync(dir + '/filler', 'w');
    const block = Buffer.alloc(4096, 0x41);
    for (;;) { try { writeSync(fd, block); } catch { break; } }
    ftruncateSync(fd, fstatSync(fd).size - 4096); // one page free: the next chunk is cut short
    closeSync(fd);
    for (let i = 0; i < 400; i++) w.write(rec(n++));
    w.flush();
    const afterFull = { written: c.written, dropped: c.dropped, failing: w.failing };
    for (let i = 0; i < 200; i++) { w.write(rec(n++)); if (i % 50 === 0) await sleep(40); }
    w.flush();
    const stillFull = { dropped: c.dropped, failing: [...c.failing] };
    rmSync(dir + '/filler');
    await sleep(100);
    const firstAfter = n;
    for (let i = 0; i < 100; i++) w.write(rec(n++));
    await w.close();
    const text = readFileSync(path, 'utf8');
    process.stdout.write(JSON.stringify({ before, afterFull, stillFull, c, total: n, firstAfter, text }));
  `;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
    'd=$(mktemp -d) && mount -t tmpfs -o size=256k tmpfs "$d" && "$@" "$d"; rc=$?; umount "$d" 2>/dev/null; rmdir "$d"; exit $rc',
    'sh', process.execPath, ...process.execArgv, '--input-type=module', '-e', script,
  ], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 60_000 });
  assert.equal(r.status, 0, `the writer's process never failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as {
    before: number; afterFull: { written: number; dropped: number; failing: boolean }; stillFull: { dropped: number; failing: string[] };
    c: Counts; total: number; firstAfter: number; text: string;
  };
  assert.equal(out.before, 100);
  assert.equal(out.afterFull.failing, true, 'the full disk started an episode');
  assert.ok(out.afterFull.dropped > 0, 'lines of the cut chunk were dropped');
  assert.ok(out.afterFull.written > 100, 'the whole lines that fitted in the free page stayed');
  assert.ok(out.stillFull.dropped > out.afterFull.dropped, 'events while full are dropped and counted');
  assert.deepEqual(out.stillFull.failing, ['ENOSPC'], 'logged once per episode');
  assert.deepEqual(out.c.recovered, [out.stillFull.dropped], 'the episode ended with its drop count');
  assert.equal(out.c.written + out.c.dropped, out.total, 'every event is either written or counted dropped');
  assert.ok(out.text.endsWith('\n'));
  const lines = out.text.split('\n').slice(0, -1);
  assert.equal(lines.length, out.c.written, 'exactly the counted lines are in the file');
  const ns = lines.map((l) => (JSON.parse(l) as { n: number }).n); // throws on a half line
  for (let i = 1; i < ns.length; i++) assert.ok(ns[i]! > ns[i - 1]!);
  assert.deepEqual(ns.slice(-100), Array.from({ length: 100 }, (_, i) => out.firstAfter + i), 'writing resumed once space returned');
});
