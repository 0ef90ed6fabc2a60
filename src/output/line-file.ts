// The events file as a destination for pino that only ever holds whole lines (issue 8, faults).
// Owns the descriptor, the lines waiting for their write(2) and the failure episode (since when,
// back-off, events lost); consumes serialised lines with their event names, produces the file and
// written/dropped/failing/recovered callbacks. A failing disk never throws and never stops capture.
import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { EventName } from '../records/types.js';

/** A line waits at most this long for its chunk to fill (live latency, also without a caller flush). */
const DEFAULT_MAX_DELAY_MS = 200;
/** Back-off between attempts while the file fails (ENOSPC, EACCES on reopen …), doubling to the max. */
const DEFAULT_RETRY_MIN_MS = 250;
const DEFAULT_RETRY_MAX_MS = 5000;
const LF = 0x0a;

export interface LineFileOptions {
  /** Longest a buffered line waits for its write. */
  maxDelayMs?: number;
  /** First and longest wait before writing to a failing file again. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Once per event that reached the descriptor. */
  onWritten?: (event: EventName) => void;
  /** Once per event that never will: the file was failing. */
  onDropped?: (event: EventName) => void;
  /** A failure episode began (once per episode, not per event). */
  onFailing?: (err: NodeJS.ErrnoException) => void;
  /** The file is written again after an episode in which `dropped` events were lost. */
  onRecovered?: (dropped: number, failedMs: number) => void;
}

function asErrno(err: unknown): NodeJS.ErrnoException {
  return err instanceof Error ? (err as NodeJS.ErrnoException) : new Error(String(err));
}

/**
 * A file that only ever holds whole lines. pino hands it one line per write(); lines are coalesced
 * and written with write(2) until done; a write that fails part-way (ENOSPC after a short write)
 * is rolled back with ftruncate to the last complete line, and the lines after it are dropped.
 * While failing it refuses lines until the back-off has passed, then tries again (reopening the
 * path if it had no descriptor), so nothing is buffered without bound.
 */
export class LineFile {
  private fd: number | null = null;
  private pending: string[] = [];
  private pendingEvents: EventName[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Failure episode: when it began, the back-off, the next attempt and events lost in it. */
  private failingSince = 0;
  private backoffMs = 0;
  private retryAt = 0;
  private episodeDropped = 0;

  constructor(
    private readonly path: string,
    private readonly mode: number,
    private readonly opts: LineFileOptions,
    private readonly bufferBytes: number,
  ) {
    this.open();
  }

  get failing(): boolean {
    return this.failingSince !== 0;
  }

  /** False while the back-off of a failure episode runs: the caller drops instead of formatting. */
  accepting(now: number): boolean {
    return this.failingSince === 0 || now >= this.retryAt;
  }

  /** pino's destination interface: one serialised line, newline included. */
  write(line: string): boolean {
    this.pending.push(line);
    this.pendingBytes += line.length;
    return true;
  }

  /** The event name of the line pino just wrote (kept beside it for the counters). */
  noteEvent(event: EventName): void {
    this.pendingEvents.push(event);
    if (this.pendingBytes >= this.bufferBytes) this.flush();
    else if (this.timer === null) {
      // One timer per chunk, not per line; unref'd so it never keeps the process alive.
      this.timer = setTimeout(this.onTimer, this.opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pendingEvents.length === 0) return;
    const buf = Buffer.from(this.pending.join(''), 'utf8');
    const events = this.pendingEvents;
    this.pending = [];
    this.pendingEvents = [];
    this.pendingBytes = 0;
    if (this.fd === null && !this.open()) {
      this.drop(events, 0);
      return;
    }
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(this.fd!, buf, off, buf.length - off);
    } catch (err) {
      const kept = this.rollBack(buf, off);
      for (let i = 0; i < kept; i++) this.opts.onWritten?.(events[i]!);
      this.fail(asErrno(err));
      this.drop(events, kept);
      return;
    }
    for (let i = 0; i < events.length; i++) this.opts.onWritten?.(events[i]!);
    if (this.failingSince !== 0) this.recover();
  }

  /** Log rotation: the path is opened anew; failing to open starts (or continues) an episode. */
  reopen(): void {
    this.flush();
    this.closeFd();
    this.open();
  }

  close(): void {
    this.flush();
    this.closeFd();
  }

  /** Counts an event refused during the back-off. */
  refuse(event: EventName): void {
    this.episodeDropped++;
    this.opts.onDropped?.(event);
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.flush();
  };

  private open(): boolean {
    try {
      this.fd = openSync(this.path, 'a', this.mode);
      return true;
    } catch (err) {
      this.fd = null;
      this.fail(asErrno(err));
      return false;
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // EIO on close of a failing disk: the descriptor is gone either way (close(2) NOTES).
    }
    this.fd = null;
  }

  /**
   * After `written` bytes of `buf` reached the file, cuts the file back to the last whole line.
   * Returns how many lines of `buf` remain in the file. JSON escapes newlines, so each LF ends a line.
   */
  private rollBack(buf: Buffer, written: number): number {
    if (written === 0) return 0;
    const keep = buf.lastIndexOf(LF, written - 1) + 1;
    if (keep < written) {
      try {
        ftruncateSync(this.fd!, fstatSync(this.fd!).size - (written - keep));
      } catch (err) {
        // The half line stays: say so apart from the episode, this breaks the file's one promise.
        const e = asErrno(err);
        e.message = `a half line could not be cut from the events file: ${e.message}`;
        this.opts.onFailing?.(e);
      }
    }
    let lines = 0;
    for (let i = buf.indexOf(LF); i !== -1 && i < keep; i = buf.indexOf(LF, i + 1)) lines++;
    return lines;
  }

  private drop(events: readonly EventName[], from: number): void {
    for (let i = from; i < events.length; i++) {
      this.episodeDropped++;
      this.opts.onDropped?.(events[i]!);
    }
  }

  private fail(err: NodeJS.ErrnoException): void {
    const now = Date.now();
    const min = this.opts.retryMinMs ?? DEFAULT_RETRY_MIN_MS;
    const max = this.opts.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
    if (this.failingSince === 0) {
      this.failingSince = now;
      this.backoffMs = min;
      this.episodeDropped = 0;
      this.opts.onFailing?.(err);
    } else {
      this.backoffMs = Math.min(max, this.backoffMs * 2);
    }
    this.retryAt = now + this.backoffMs;
  }

  private recover(): void {
    const dropped = this.episodeDropped;
    const ms = Date.now() - this.failingSince;
    this.failingSince = 0;
    this.episodeDropped = 0;
    this.opts.onRecovered?.(dropped, ms);
  }
}
