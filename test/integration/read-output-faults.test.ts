// Issue 13 items 13-15: `mailtap read` when its output fails or a signal arrives. Before the fixes:
// stdout on /dev/full hung forever at exit (sonic-boom's flushSync retries ENOSPC without end),
// `--events` on a full device exited 0 with every event lost, and SIGINT during `read -` killed
// the process with nothing flushed. Each case runs the real CLI as a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixture } from '../helpers/paths.js';
import { MAIN, ndjson } from '../helpers/run-cli.js';
import { parsePcap, serializePcap } from '../helpers/pcap-edit.js';

type Obj = Record<string, unknown>;

const REAL = fixture('real-mail', 'real-mail.pcap');
const EXEC_ARGV = process.execArgv.filter((a) => !a.startsWith('--test'));

/**
 * A real pipe for the child's standard input, as `tcpdump -w - | mailtap read -` gives it (Node's
 * own 'pipe' stdio is a socketpair): a FIFO the child reads and the test writes, kept open.
 */
class Fifo {
  readonly dir = mkdtempSync(join(tmpdir(), 'mailtap-fifo-'));
  readonly path = join(this.dir, 'in');
  readonly readFd: number;
  readonly writeFd: number;

  constructor() {
    execFileSync('mkfifo', [this.path]);
    // O_RDWR opens without waiting for a writer; the child inherits it as its standard input.
    this.readFd = openSync(this.path, 'r+');
    this.writeFd = openSync(this.path, 'w');
  }

  write(b: Buffer): void {
    for (let off = 0; off < b.length; ) off += writeSync(this.writeFd, b, off);
  }

  close(): void {
    closeSync(this.readFd);
    closeSync(this.writeFd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

interface Child {
  pid: number;
  stdin: NodeJS.WritableStream & { destroy(): void };
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  /** Wall time from the call of `since()` to the exit. */
  since: () => Promise<number>;
}

function start(args: string[], stdout: 'pipe' | number | 'closed', stdin: 'pipe' | number = 'pipe'): Child {
  const child = spawn(process.execPath, [...EXEC_ARGV, MAIN, ...args], { stdio: [stdin, stdout === 'closed' ? 'pipe' : stdout, 'pipe'] });
  let out = '';
  let err = '';
  if (stdout === 'closed') child.stdout!.destroy();
  else child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code, sig) => resolve(code ?? (sig === null ? null : -1))));
  return {
    pid: child.pid!,
    stdin: child.stdin ?? { destroy: () => undefined, write: () => true } as unknown as Child['stdin'],
    exited,
    stdout: () => out,
    stderr: () => err,
    since: async () => {
      const t = Date.now();
      await exited;
      return Date.now() - t;
    },
  };
}

function errorLines(stderr: string): Obj[] {
  return ndjson(stderr).filter((l) => l['level'] === 'error' || l['level'] === 'fatal');
}

test('stdout on /dev/full: exit 4 promptly, one line saying why', { timeout: 60_000 }, async () => {
  const full = openSync('/dev/full', 'w');
  try {
    const c = start(['read', '--workers', '1', REAL], full);
    assert.equal(await c.exited, 4, c.stderr());
    const errors = errorLines(c.stderr());
    assert.equal(errors.length, 1, c.stderr());
    assert.match(String(errors[0]!['msg']), /^cannot write events to standard output: ENOSPC/);
  } finally {
    closeSync(full);
  }
});

test('stdout on /dev/full while `read -` waits on a pipe that stays open: the failure ends the run', { timeout: 60_000 }, async () => {
  const full = openSync('/dev/full', 'w');
  const fifo = new Fifo();
  try {
    const c = start(['read', '--workers', '1', '-'], full, fifo.readFd);
    fifo.write(readFileSync(REAL)); // 17 events: more than the 8 KiB stdout buffer
    const code = await Promise.race([c.exited, sleep(40_000).then(() => 'hung')]);
    assert.equal(code, 4, c.stderr());
    assert.equal(errorLines(c.stderr()).length, 1, c.stderr());
  } finally {
    closeSync(full);
    fifo.close();
  }
});

test('a closed stdout pipe (the reader went away): exit 0, no error line', { timeout: 60_000 }, async () => {
  const c = start(['read', '--workers', '1', REAL], 'closed');
  assert.equal(await c.exited, 0, c.stderr());
  assert.deepEqual(errorLines(c.stderr()), []);
});

test('--events on a device that is full: exit 4 with one line naming the path', { timeout: 60_000 }, async () => {
  const c = start(['read', '--workers', '1', '--events', '/dev/full', REAL], 'pipe');
  assert.equal(await c.exited, 4, c.stderr());
  const errors = errorLines(c.stderr());
  assert.equal(errors.length, 1, c.stderr());
  assert.match(String(errors[0]!['msg']), /^cannot write events to \/dev\/full: ENOSPC.*events lost$/);
});

/**
 * The seed session up to the server's `250 Message sent` (the connection still open), then the
 * whole message.pcap session (same packet times, so nothing idles out): once the second one's
 * events reach the events file, the first one's packets have been processed too.
 */
function openThenComplete(): Buffer {
  const open = parsePcap(readFileSync(fixture('seed', 'session.pcap')));
  const done = parsePcap(readFileSync(fixture('seed', 'message.pcap')));
  return serializePcap({ ...open, records: [...open.records.slice(0, 21), ...done.records] });
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal} during \`read -\` on a pipe that stays open: sessions flushed as shutdown, events written, exit ${code}`, { timeout: 90_000 }, async () => {
    const fifo = new Fifo();
    const events = join(fifo.dir, 'events.ndjson');
    try {
      const c = start(['read', '--workers', '1', '--events', events, '-'], 'pipe', fifo.readFd);
      fifo.write(openThenComplete());
      const written = (): Obj[] => {
        try {
          return ndjson(readFileSync(events, 'utf8'));
        } catch {
          return [];
        }
      };
      for (let i = 0; i < 600 && !written().some((e) => e.src_port === 2009 && e.event === 'smtp_session'); i++) await sleep(100);
      process.kill(c.pid, signal);
      const exit = await Promise.race([c.exited, sleep(40_000).then(() => 'hung')]);
      assert.equal(exit, code, c.stderr());
      const all = written();
      const t = all.find((e) => e.event === 'smtp_transaction' && e.src_port === 1470);
      const s = all.find((e) => e.event === 'smtp_session' && e.src_port === 1470);
      assert.ok(t !== undefined && s !== undefined, JSON.stringify(all));
      assert.equal(t.status, 'accepted');
      assert.equal(t.mail_from, 'bripengandre@163.com');
      assert.equal(s.close, 'shutdown');
      assert.equal(all.find((e) => e.event === 'smtp_session' && e.src_port === 2009)?.close, 'fin');
    } finally {
      fifo.close();
    }
  });
}
