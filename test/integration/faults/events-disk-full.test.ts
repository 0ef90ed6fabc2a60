// Issue 8 and issue 13 item 13, faults: the events file's disk fills while `mailtap read -` is
// running. The events directory is a 256 KiB tmpfs in a private mount namespace (unshare -m: it
// vanishes with the process); the capture is fed through standard input (which stays open) in two
// parts: before, and while a filler file takes all the space (made through nsenter). For `read`,
// events that cannot be written are a failure (SPEC §2): it stops promptly, exits 4 with one line
// naming the path, and never leaves a half line. (`run` keeps dropping, counting and resuming:
// test/unit/output/events-writer.test.ts covers the writer's episodes.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SHARED } from '../../helpers/paths.js';
import { MAIN, ndjson, runCli } from '../../helpers/run-cli.js';

type Json = Record<string, unknown>;

const GENERATOR = join(SHARED, 'tools', 'gen-smtp-pcap.py');

/** Runs `sh -c script` in the mount namespace of process `pid`. */
function inNs(pid: number, script: string): string {
  const r = spawnSync('nsenter', ['-t', String(pid), '-m', '--', 'sh', '-c', script], { encoding: 'utf8', timeout: 20_000 });
  return r.stdout;
}

async function until<T>(what: string, probe: () => T | null, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('disk full under the events file: read stops promptly, exits 4 naming the path, no half line', { timeout: 180_000 }, async (t) => {
  assert.equal(process.getuid?.(), 0, 'this test needs root (mount namespace, tmpfs, nsenter)');
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-fault-full-'));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const events = join(mnt, 'events.ndjson');
  const pcap = join(dir, 'capture.pcap');
  /** The events file copied out of the tmpfs before the namespace ends. */
  const copied = join(dir, 'events.copied');
  try {
    execFileSync('python3', [GENERATOR, '-q', '-o', pcap, '--seed', '9', '--sessions', '45', '--concurrency', '3', '--attach-kb', '8'], { timeout: 120_000 });
    const bytes = readFileSync(pcap);
    const reference = await runCli(['read', '--workers', '1', pcap]);
    assert.equal(reference.code, 0, reference.stderr);
    const total = ndjson(reference.stdout).length;

    const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
    // Standard input is a real pipe (a FIFO), as `tcpdump -w - | mailtap read -` gives: node's own
    // 'pipe' stdio is a socketpair, on which a blocked read cannot be given up (README, read on signals).
    const fifo = join(dir, 'in.fifo');
    execFileSync('mkfifo', [fifo]);
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c',
      'out=$1; mnt=$2; in=$3; shift 3; mount -t tmpfs -o size=256k tmpfs "$mnt" || exit 90; "$@" < "$in"; rc=$?; cp "$mnt/events.ndjson" "$out"; exit $rc',
      'sh', copied, mnt, fifo, process.execPath, ...execArgv, MAIN, 'read', '--workers', '1', '--events', events, '-',
    ], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    // Whatever happens below, the child's process group (unshare, sh, mailtap) ends with the test:
    // a hung child would keep the whole test file, and so CI, from finishing.
    t.after(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    });
    const input = createWriteStream(fifo);
    input.on('error', () => undefined);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    const pid = child.pid!;
    const lines = (): number => Number(inNs(pid, `cat '${events}' 2>/dev/null | wc -l`).trim() || '0');
    const half = Math.floor(bytes.length / 2);

    input.write(bytes.subarray(0, half));
    const before = await until('events before the disk fills', () => (lines() > 0 ? lines() : null));
    inNs(pid, `dd if=/dev/zero of='${mnt}/filler' bs=4096 2>/dev/null; sync`);
    // The rest of the capture, with standard input left open: the failure alone must end the run.
    input.write(bytes.subarray(half));
    const started = Date.now();
    const code = await exited;
    const ms = Date.now() - started;
    input.destroy();
    assert.equal(code, 4, `mailtap read exited ${String(code)}: ${stderr.slice(-2000)}`);

    const log = ndjson(stderr) as Json[];
    const errors = log.filter((l) => l['level'] === 'error');
    assert.equal(errors.length, 1, `one line saying why: ${JSON.stringify(errors)}`);
    assert.match(String(errors[0]!['msg']), new RegExp(`^cannot write events to ${events.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*(ENOSPC|no space)`, 'i'));
    const finished = log.find((l) => l['msg'] === 'read finished');
    assert.ok(finished !== undefined);

    const text = readFileSync(copied, 'utf8');
    assert.ok(text === '' || text.endsWith('\n'), 'the file ends with a whole line');
    const written = text.split('\n').slice(0, -1).map((l) => JSON.parse(l) as Json); // a half line throws
    assert.equal(written.length, finished['events'], 'the file holds exactly the events counted written');
    assert.ok(written.length >= before && written.length < total);
    t.diagnostic(`events: ${total} in a clean run; ${before} before the disk filled, ${written.length} written; exit ${ms} ms after the rest was sent`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
