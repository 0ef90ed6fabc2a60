// The one writer of the NDJSON events log (main thread only, STYLE §2 decision 3): pino with no
// level, pid or hostname, `time` first (ISO-8601 UTC, milliseconds) then the record's fields, to
// standard output or a file. Owns the pino instance and its sonic-boom destination; close()
// resolves once every line has reached the file descriptor.
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { EventName, EventRecord } from './types.js';
import { isoMillis } from '../shared/time.js';

type Destination = ReturnType<typeof pino.destination>;

/** Lines coalesced per write(2); sonic-boom requires it below its 16 KiB maxWrite. */
const DEFAULT_BUFFER_BYTES = 8 * 1024;

export interface EventsWriterOptions {
  /** File path, or `-` for standard output. */
  path: string;
  /** Mode of a created file (octal text, output.file_mode). */
  fileMode: string;
  /** Bytes buffered before a write (0 = write at once, < 16 KiB); close() and flush() empty it. */
  bufferBytes?: number;
  /** Called once per written event (mailtap_events_total). */
  onWritten?: (event: EventName) => void;
  /** The first write error (EPIPE when the reader went away, ENOSPC …); later events are dropped. */
  onError?: (err: NodeJS.ErrnoException) => void;
}

/** pino prints the level chunk first; with it empty, this makes `time` the first field. */
function timeField(): string {
  return `"time":"${isoMillis(Date.now())}"`;
}

export class EventsWriter {
  private readonly dest: Destination;
  private readonly log: Logger;
  private closed: Promise<void> | null = null;
  /** First write error (EPIPE on a closed stdout, ENOSPC …); later events are dropped. */
  error: NodeJS.ErrnoException | null = null;
  written = 0;

  constructor(private readonly opts: EventsWriterOptions) {
    const toStdout = opts.path === '-';
    this.dest = pino.destination({
      dest: toStdout ? 1 : opts.path,
      sync: false,
      append: true,
      mkdir: false,
      minLength: opts.bufferBytes ?? DEFAULT_BUFFER_BYTES,
      ...(toStdout ? {} : { mode: parseInt(opts.fileMode, 8) }),
    });
    this.dest.on('error', (err: NodeJS.ErrnoException) => {
      if (this.error !== null) return;
      this.error = err;
      this.opts.onError?.(err);
    });
    this.log = pino(
      {
        level: 'info',
        base: undefined,
        timestamp: timeField,
        formatters: { level: () => ({}) },
      },
      this.dest,
    );
  }

  write(rec: EventRecord): void {
    if (this.error !== null || this.closed !== null) return;
    this.log.info(rec);
    this.written++;
    this.opts.onWritten?.(rec.event);
  }

  writeAll(recs: readonly EventRecord[]): void {
    for (const r of recs) this.write(r);
  }

  /** Pushes buffered lines to the descriptor (live mode calls it on a tick). */
  flush(): void {
    if (this.error === null && this.closed === null) this.dest.flush();
  }

  /** Log rotation (SIGHUP): reopen the same path. No-op on standard output. */
  reopen(): void {
    if (this.opts.path !== '-' && this.closed === null) this.dest.reopen();
  }

  /** Flushes everything written and closes the destination (standard output stays open). */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      if (this.error !== null) {
        resolve();
        return;
      }
      this.dest.once('close', () => resolve());
      this.dest.once('error', () => resolve());
      this.dest.end();
    });
    return this.closed;
  }
}
