// The extraction directory's layout: DIR/.tmp/<temp> while a file is written, DIR/<sha[0:2]>/<sha256>
// once complete, DIR/<sha[0:2]>/<sha256>.json beside it for the sightings. Every path is built
// from the directory and a validated lower-case hex SHA-256 only: nothing a sender wrote (filename,
// subject, addresses) can reach a path. Owns the temp-name counter; fs errors are returned, never thrown.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const TEMP_PID = /^(\d+)-/;
export const TMP_DIR = '.tmp';

export type CommitResult = { kind: 'stored'; path: string } | { kind: 'duplicate'; path: string } | { kind: 'error'; message: string };

export function isSha256Hex(s: string): boolean {
  return SHA256_HEX.test(s);
}

export class ExtractStore {
  private seq = 0;
  private readonly prefix: string;
  private readonly madeDirs = new Set<string>();
  /** Temp files of dead processes removed when this store first used DIR/.tmp. */
  sweptTemps = 0;

  constructor(readonly directory: string) {
    // pid and thread id: temp names of concurrent workers and processes never collide.
    this.prefix = `${process.pid}-${threadId}-${randomBytes(4).toString('hex')}-`;
  }

  /** Where the file with this hash lives (the hash must be hex: checked, not trusted). */
  pathFor(sha256: string): string | undefined {
    if (!isSha256Hex(sha256)) return undefined;
    return join(this.directory, sha256.slice(0, 2), sha256);
  }

  /** Opens a new temp file exclusively; returns its fd and path, or an error message. */
  openTemp(): { fd: number; path: string } | { error: string } {
    const dir = join(this.directory, TMP_DIR);
    const first = !this.madeDirs.has(dir);
    const made = this.ensureDir(dir);
    if (made !== null) return { error: made };
    if (first) this.sweptTemps = sweepStaleTemps(dir);
    const path = join(dir, `${this.prefix}${this.seq++}`);
    try {
      return { fd: openSync(path, 'wx', 0o640), path };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  /** Moves a finished temp file under its hash; an existing file with that hash wins (dedup). */
  commit(tmpPath: string, sha256: string): CommitResult {
    const path = this.pathFor(sha256);
    if (path === undefined) {
      discard(tmpPath);
      return { kind: 'error', message: 'bad sha256' };
    }
    if (existsSync(path)) {
      discard(tmpPath);
      return { kind: 'duplicate', path };
    }
    const made = this.ensureDir(join(this.directory, sha256.slice(0, 2)));
    if (made !== null) {
      discard(tmpPath);
      return { kind: 'error', message: made };
    }
    try {
      // Two workers committing the same hash at once both succeed: the contents are identical.
      renameSync(tmpPath, path);
      return { kind: 'stored', path };
    } catch (err) {
      discard(tmpPath);
      return { kind: 'error', message: (err as Error).message };
    }
  }

  /**
   * Appends one sighting line to the file's sidecar. One write(2) in append mode: lines of
   * concurrent workers never interleave.
   */
  appendSidecar(sha256: string, line: Buffer): string | null {
    const path = this.pathFor(sha256);
    if (path === undefined) return 'bad sha256';
    const made = this.ensureDir(join(this.directory, sha256.slice(0, 2)));
    if (made !== null) return made;
    let fd = -1;
    try {
      fd = openSync(`${path}.json`, 'a', 0o640);
      writeSync(fd, line);
      return null;
    } catch (err) {
      return (err as Error).message;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  private ensureDir(dir: string): string | null {
    if (this.madeDirs.has(dir)) return null;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      this.madeDirs.add(dir);
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  }
}

/** Removes a temp file; a failure leaves it for the operator (it is under .tmp/, never served). */
export function discard(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone, or not ours to remove
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists under another user. Only ESRCH proves it is gone.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes temp files left by processes that died mid-write (kill -9, OOM). Files of this process
 * (other workers) and of live processes (other shards) are left alone; a reused pid only delays the
 * cleanup. Returns how many were removed.
 */
export function sweepStaleTemps(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = TEMP_PID.exec(name);
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed++;
    } catch {
      // raced with another sweeper
    }
  }
  return removed;
}
