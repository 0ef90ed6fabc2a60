// The one writer of the NDJSON events log (main thread only, STYLE §2 decision 3): pino with no
// level, pid or hostname, `time` first (ISO-8601 UTC, milliseconds) then the record's fields, to
// standard output (sonic-boom) or a file (LineFile: whole lines only, survives a failing disk).
// Owns the pino instance and its destination; consumes EventRecords, produces NDJSON lines.
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { EventName, EventRecord } from '../records/types.js';
import { isoMillis } from '../shared/time.js';
import { LineFile } from './line-file.js';
import type { LineFileOptions } from './line-file.js';

type Destination = ReturnType<typeof pino.destination>;

/** Lines coalesced per write(2) on standard output; sonic-boom requires it below its 16 KiB maxWrite. */
const DEFAULT_BUFFER_BYTES = 8 * 1024;
/** Lines coalesced per write(2) to a file: one syscall per 64 KiB of events. */
const DEFAULT_FILE_BUFFER_BYTES = 64 * 1024;

/** The file options (LineFileOptions: flush delay, retry back-off, written/dropped/failing/recovered callbacks) apply to a file only; onWritten also to standard output. */
export interface EventsWriterOptions extends LineFileOptions {
  /** File path, or `-` for standard output. */
  path: string;
  /** Mode of a created file (octal text, output.file_mode). */
  fileMode: string;
  /** Bytes buffered before a write (0 = write at once; < 16 KiB on standard output); close() and flush() empty it. */
  bufferBytes?: number;
  /** Standard output failed (EPIPE when the reader went away …); later events are dropped. Never for a file. */
  onError?: (err: NodeJS.ErrnoException) => void;
  /**
   * Standard output only: bytes buffered while its reader is slower than the events (a Vector or
   * Filebeat pipe that stalls). Past it a line is dropped and counted (onDropped), never queued:
   * without a cap the buffer grew without bound (846 MB RSS reading `many` into a pipe with two
   * workers, issue 12). 0: no cap, for `read`, which waits on waitForDrain() instead.
   */
  stdoutMaxBytes?: number;
  /** Standard output: the first line dropped of an episode (the cap was reached). */
  onStdoutDropping?: () => void;
  /** Standard output: the buffer emptied after an episode of drops; how many lines were lost. */
  onStdoutRecovered?: (dropped: number) => void;
}

/** pino prints the level chunk first; with it empty, this makes `time` the first field. */
function timeField(): string {
  return `"time":"${isoMillis(Date.now())}"`;
}

export class EventsWriter {
  private readonly dest: Destination | null = null;
  private readonly file: LineFile | null = null;
  private readonly log: Logger;
  private closed: Promise<void> | null = null;
  /** Standard output's first error (EPIPE on a closed stdout …); later events are dropped. */
  error: NodeJS.ErrnoException | null = null;
  /** Events that reached the descriptor (on standard output: handed to sonic-boom). */
  written = 0;
  /** Events lost to a failing file, or to a full standard-output buffer (stdoutMaxBytes). */
  dropped = 0;
  /** Standard output: the last write() left more than sonic-boom's high-water mark buffered. */
  private stdoutBehind = false;
  /** Set by sonic-boom's synchronous 'drop' (the line would pass stdoutMaxBytes). */
  private lastLineDropped = false;
  /** Lines dropped in the current standard-output episode; -1 when none is running. */
  private episodeDrops = -1;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly opts: EventsWriterOptions) {
    const counted: EventsWriterOptions = {
      ...opts,
      onWritten: (e) => {
        this.written++;
        opts.onWritten?.(e);
      },
      onDropped: (e) => {
        this.dropped++;
        opts.onDropped?.(e);
      },
    };
    let sink: Destination | LineFile;
    if (opts.path === '-') {
      const maxLength = opts.stdoutMaxBytes ?? 0;
      this.dest = pino.destination({ dest: 1, sync: false, mkdir: false, minLength: opts.bufferBytes ?? DEFAULT_BUFFER_BYTES, ...(maxLength > 0 ? { maxLength } : {}) });
      const dest = this.dest;
      dest.on('drop', () => {
        this.lastLineDropped = true;
      });
      dest.on('drain', () => this.stdoutDrained());
      dest.on('error', (err: NodeJS.ErrnoException) => {
        if (this.error !== null) return;
        this.error = err;
        this.releaseDrainWaiters();
        // Nothing more can be written: drop what is buffered now. Left alive, pino's exit hook
        // calls sonic-boom's flushSync, which retries any error but EAGAIN forever (ENOSPC on
        // /dev/full hung the process at exit, issue 13).
        dest.destroy();
        this.opts.onError?.(err);
      });
      sink = this.dest;
    } else {
      this.file = new LineFile(opts.path, parseInt(opts.fileMode, 8), counted, opts.bufferBytes ?? DEFAULT_FILE_BUFFER_BYTES);
      sink = this.file;
    }
    this.log = pino({ level: 'info', base: undefined, timestamp: timeField, formatters: { level: () => ({}) } }, sink);
  }

  /** The file is in a failure episode (events are being dropped). */
  get failing(): boolean {
    return this.file?.failing ?? false;
  }

  write(rec: EventRecord): void {
    if (this.error !== null || this.closed !== null) return;
    const file = this.file;
    if (file === null) {
      this.lastLineDropped = false;
      this.log.info(rec);
      // pino drops write()'s answer; these main-thread records are few, the workers' lines pace `read`.
      this.afterStdoutWrite(rec.event, true);
      return;
    }
    if (!file.accepting(Date.now())) {
      file.refuse(rec.event);
      return;
    }
    this.log.info(rec);
    file.noteEvent(rec.event);
  }

  /**
   * Events a worker already serialised (JSON.stringify of the record, SPEC §3 field order):
   * `time` is put first here, once per call, so main never walks or stringifies a record. Parsing
   * and cloning records on the main thread was ~20% of its CPU on 100k short sessions.
   */
  writeSerialized(lines: readonly string[], events: readonly EventName[]): void {
    const head = `{${timeField()}`;
    const now = Date.now();
    for (let i = 0; i < lines.length; i++) {
      if (this.error !== null || this.closed !== null) return;
      const json = lines[i]!;
      const event = events[i]!;
      const line = json.length > 2 ? `${head},${json.slice(1)}\n` : `${head}}\n`;
      const file = this.file;
      if (file === null) {
        this.lastLineDropped = false;
        this.afterStdoutWrite(event, this.dest!.write(line));
        continue;
      }
      if (!file.accepting(now)) {
        file.refuse(event);
        continue;
      }
      file.write(line);
      file.noteEvent(event);
    }
  }

  /**
   * `read` paces its input on this (as on the workers' queues): a promise while standard output
   * holds more than sonic-boom's high-water mark (16 KiB), resolved when it drains; undefined when
   * nothing waits. Files are written synchronously and never make it wait.
   */
  waitForDrain(): Promise<void> | undefined {
    if (!this.stdoutBehind || this.error !== null || this.closed !== null) return undefined;
    return new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  /** Counts one line handed to standard output: written, or dropped at stdoutMaxBytes. */
  private afterStdoutWrite(event: EventName, underMark: boolean): void {
    if (!underMark) this.stdoutBehind = true;
    if (!this.lastLineDropped) {
      this.written++;
      this.opts.onWritten?.(event);
      return;
    }
    this.dropped++;
    this.opts.onDropped?.(event);
    if (this.episodeDrops < 0) {
      this.episodeDrops = 0;
      this.opts.onStdoutDropping?.();
    }
    this.episodeDrops++;
  }

  private stdoutDrained(): void {
    this.stdoutBehind = false;
    this.endDropEpisode();
    this.releaseDrainWaiters();
  }

  /** Reports the lines lost in a running standard-output episode (at drain, or at close). */
  private endDropEpisode(): void {
    if (this.episodeDrops >= 0) {
      const n = this.episodeDrops;
      this.episodeDrops = -1;
      this.opts.onStdoutRecovered?.(n);
    }
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    if (waiters.length === 0) return;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  writeAll(recs: readonly EventRecord[]): void {
    for (const r of recs) this.write(r);
  }

  /** Pushes buffered lines to the descriptor (live mode calls it on a tick). */
  flush(): void {
    if (this.error !== null || this.closed !== null) return;
    if (this.file !== null) this.file.flush();
    else this.dest?.flush();
  }

  /** Log rotation (SIGHUP): reopen the same path. No-op on standard output. */
  reopen(): void {
    if (this.closed === null) this.file?.reopen();
  }

  /** Flushes everything written and closes the destination (standard output stays open). */
  close(): Promise<void> {
    this.endDropEpisode();
    this.releaseDrainWaiters();
    this.closed ??= new Promise<void>((resolve) => {
      if (this.file !== null) {
        this.file.close();
        resolve();
        return;
      }
      const dest = this.dest!;
      if (this.error !== null) {
        resolve();
        return;
      }
      dest.once('close', () => resolve());
      dest.once('error', () => resolve());
      dest.end();
    });
    return this.closed;
  }
}
