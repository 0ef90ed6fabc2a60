// Offline PacketSource: reads pcap/pcapng files (or standard input for '-') one after another in
// big chunks into ONE reused buffer and hands RawFrames that are windows into it (FrameWindow).
// State: the read buffer (grown only for records larger than it), the carried partial record,
// the one RawFrame, counters. Consumes file bytes; produces RawFrame, SourceEnd, CaptureFileError.
import { close, constants, open, read } from 'node:fs';
import { CaptureFileError } from '../shared/errors.js';
import { CORRUPT, DEFAULT_MAX_CAPLEN, NEED_MORE } from './record-reader.js';
import type { RecordReader } from './record-reader.js';
import { PcapReader, isPcapMagic } from './pcap-format.js';
import { PcapngReader, isPcapngMagic } from './pcapng-format.js';
import { FrameWindow } from './frame-window.js';
import type { FrameHandler, PacketSource, SourceEnd, SourceStats } from './types.js';

/** Bytes per read: big reads keep the bare reader at memory speed (few syscalls, few awaits). */
export const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
const STDIN_PATH = '-';
const STDIN_NAME = '<stdin>';
/** An inherited non-blocking stdin answers EAGAIN when the writer is slower than us: wait a bit. */
const EAGAIN_RETRY_MS = 5;

export interface FileSourceOptions {
  onWarning: (msg: string) => void;
  chunkBytes?: number;
  /** Largest record caplen accepted before the file is declared corrupt (libpcap's 262144). */
  maxCaplen?: number;
  /** A file (or `<stdin>`) is about to be read: per-file reports (unsupported link types) start anew. */
  onFile?: (name: string) => void;
}

/** What one file's read loop ended with (a corrupt file throws instead). */
type FileEnd = { kind: 'eof' } | { kind: 'stopped' } | { kind: 'truncated'; file: string; offset: number };

function openFd(path: string, flags: string | number = 'r'): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, (err, fd) => (err ? reject(err) : resolve(fd))));
}

/**
 * Standard input opened anew, non-blocking, when the platform allows (a pipe or FIFO through
 * /dev/stdin gets its own open file description), else fd 0 itself. A blocking read(2) of a pipe
 * that stays open (`tcpdump -w - | mailtap read -`) occupies a libuv pool thread that nothing can
 * interrupt, and Node waits for pool threads at exit: a stopped `read` (signal, failed output)
 * never ended (issue 13). Non-blocking, an idle pipe answers EAGAIN and readFd polls.
 */
async function openStdin(): Promise<{ fd: number; owned: boolean }> {
  try {
    return { fd: await openFd('/dev/stdin', constants.O_RDONLY | constants.O_NONBLOCK), owned: true };
  } catch {
    return { fd: 0, owned: false };
  }
}

function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => close(fd, () => resolve()));
}

/** `stopped`: asked between EAGAIN retries; a stopped source answers 0 bytes (the caller checks why). */
function readFd(fd: number, buf: Buffer, off: number, len: number, stopped: () => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      read(fd, buf, off, len, null, (err, n) => {
        if (err === null) resolve(n);
        else if (err.code === 'EAGAIN') {
          if (stopped()) resolve(0);
          else setTimeout(attempt, EAGAIN_RETRY_MS);
        } else reject(err);
      });
    };
    attempt();
  });
}

function errnoReason(err: unknown): string {
  return `cannot read capture file (${err instanceof Error ? err.message : String(err)})`;
}

function pickReader(buf: Buffer, maxCaplen: number): RecordReader | null {
  const magic = buf.readUInt32LE(0);
  if (isPcapMagic(magic)) return new PcapReader(maxCaplen);
  if (isPcapngMagic(magic)) return new PcapngReader(maxCaplen);
  return null;
}

class FileSource implements PacketSource {
  readonly description: string;
  private readonly paths: readonly string[];
  private readonly onWarning: (msg: string) => void;
  private readonly onFile: ((name: string) => void) | undefined;
  private readonly chunkBytes: number;
  private readonly maxCaplen: number;
  private buf: Buffer;
  /** The one frame, a window into `buf`: no Buffer view per packet (frame-window.ts). */
  private readonly frame = new FrameWindow();
  private stopping = false;
  private readonly isStopping = (): boolean => this.stopping;
  private frames = 0;
  private bytes = 0;

  constructor(paths: readonly string[], opts: FileSourceOptions) {
    this.paths = paths;
    this.onWarning = opts.onWarning;
    this.onFile = opts.onFile;
    this.chunkBytes = Math.max(1, Math.floor(opts.chunkBytes ?? DEFAULT_CHUNK_BYTES));
    this.maxCaplen = opts.maxCaplen ?? DEFAULT_MAX_CAPLEN;
    this.buf = Buffer.allocUnsafe(this.chunkBytes);
    this.description = `file:${paths.join(',')}`;
  }

  async run(onFrame: FrameHandler, pace?: () => Promise<void> | undefined): Promise<SourceEnd> {
    let truncated: SourceEnd | null = null;
    for (const path of this.paths) {
      if (this.stopping) return { kind: 'stopped' };
      const end = await this.runFile(path, onFrame, pace);
      if (end.kind === 'stopped') return end;
      // A cut tail (tcpdump killed mid-write) loses one record, not the files that follow.
      if (end.kind === 'truncated') truncated = end;
    }
    if (this.stopping) return { kind: 'stopped' };
    return truncated ?? { kind: 'eof' };
  }

  stop(): void {
    this.stopping = true;
  }

  stats(): SourceStats {
    return { frames: this.frames, bytes: this.bytes, dropsKernel: 0, dropsInterface: 0 };
  }

  private async runFile(path: string, onFrame: FrameHandler, pace?: () => Promise<void> | undefined): Promise<FileEnd> {
    const isStdin = path === STDIN_PATH;
    const name = isStdin ? STDIN_NAME : path;
    this.onFile?.(name);
    let fd = 0;
    let owned = true;
    if (isStdin) ({ fd, owned } = await openStdin());
    else {
      try {
        fd = await openFd(path);
      } catch (err) {
        throw new CaptureFileError(name, 0, errnoReason(err));
      }
    }
    try {
      return await this.readLoop(fd, name, onFrame, pace);
    } finally {
      if (owned) await closeFd(fd);
    }
  }

  private async readLoop(fd: number, name: string, onFrame: FrameHandler, pace?: () => Promise<void> | undefined): Promise<FileEnd> {
    const frame = this.frame;
    let reader: RecordReader | null = null;
    /** File offset of buf[0]. */
    let base = 0;
    let start = 0;
    let end = 0;
    for (;;) {
      if (this.stopping) return { kind: 'stopped' };
      if (end === this.buf.length) this.grow(end - start, reader?.needed ?? 0);
      const want = Math.min(this.chunkBytes, this.buf.length - end);
      let n: number;
      try {
        n = await readFd(fd, this.buf, end, want, this.isStopping);
      } catch (err) {
        throw new CaptureFileError(name, base + end, errnoReason(err));
      }
      if (this.stopping) return { kind: 'stopped' };
      if (n === 0) {
        if (reader === null || reader.inHeader) {
          const why = base + end === 0 ? 'empty file, no capture header' : 'file ends inside the capture header';
          throw new CaptureFileError(name, base + start, why);
        }
        if (start === end) return { kind: 'eof' };
        const offset = base + start;
        this.onWarning(`${name}: truncated last record at byte offset ${offset} (${end - start} bytes left over); ignored`);
        return { kind: 'truncated', file: name, offset };
      }
      end += n;
      if (reader === null) {
        if (end < 4) continue;
        reader = pickReader(this.buf, this.maxCaplen);
        if (reader === null) {
          const magic = this.buf.readUInt32BE(0).toString(16).padStart(8, '0');
          throw new CaptureFileError(name, 0, `not a pcap or pcapng file (magic 0x${magic})`);
        }
      }
      // Parse every complete record in the buffer, synchronously.
      for (;;) {
        const used = reader.next(this.buf, start, end, frame);
        if (used === NEED_MORE) break;
        if (used === CORRUPT) throw new CaptureFileError(name, base + start, reader.error);
        start += used;
        if (reader.frameReady) {
          this.frames++;
          this.bytes += frame.caplen;
          onFrame(frame);
          if (this.stopping) return { kind: 'stopped' };
        }
      }
      // Carry only the partial record's bytes to the front; the next read appends after them.
      if (start > 0) {
        if (start < end) this.buf.copyWithin(0, start, end);
        base += start;
        end -= start;
        start = 0;
      }
      if (pace !== undefined) {
        const p = pace();
        if (p !== undefined) await p;
      }
    }
  }

  /** The buffer is full with one partial record: make room for it (a record bigger than a chunk). */
  private grow(used: number, needed: number): void {
    const size = Math.max(this.buf.length * 2, needed);
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, used);
    this.buf = bigger;
  }
}

/** A PacketSource over capture files read in order; '-' is standard input. */
export function openFileSource(paths: readonly string[], opts: FileSourceOptions): PacketSource {
  return new FileSource(paths, opts);
}
