// `mailtap flows --dump-streams DIR`: writes each connection's reassembled bytes, for debugging and
// for the tcpflow comparison. Owns a small buffer per open connection and direction (bytes are
// copied: stream events lend them). Files: DIR/<uid>.c2s and DIR/<uid>.s2c hold the bytes delivered
// in order, both always written at close (empty when a side sent nothing). Gaps are written as
// NOTHING (the files hold only captured bytes); DIR/<uid>.gaps, present only when bytes were
// missing, lists each gap as one line `<dir> <offset> <len>`, offset counted in the dumped bytes.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Direction } from '../flow/types.js';

/** Bytes buffered per direction before an append; bounds memory at about 2 × this × open flows. */
const FLUSH_BYTES = 64 * 1024;

class DirBuffer {
  chunks: Buffer[] = [];
  buffered = 0;
  /** Bytes delivered so far in this direction (dumped offset of the next byte). */
  offset = 0;
}

export class FlowDump {
  private readonly c2s = new DirBuffer();
  private readonly s2c = new DirBuffer();
  private gaps = '';

  constructor(
    private readonly dir: string,
    private readonly uid: string,
  ) {
    // Truncate now: a rerun into the same directory must not append to old files.
    writeFileSync(this.path('c2s'), '');
    writeFileSync(this.path('s2c'), '');
    rmSync(this.path('gaps'), { force: true });
  }

  private path(d: Direction | 'gaps'): string {
    return join(this.dir, `${this.uid}.${d}`);
  }

  onData(d: Direction, bytes: Buffer): void {
    const b = d === 'c2s' ? this.c2s : this.s2c;
    b.chunks.push(Buffer.from(bytes));
    b.buffered += bytes.length;
    b.offset += bytes.length;
    if (b.buffered >= FLUSH_BYTES) this.flush(d, b);
  }

  onGap(d: Direction, len: number): void {
    const b = d === 'c2s' ? this.c2s : this.s2c;
    this.gaps += `${d} ${b.offset} ${len}\n`;
  }

  private flush(d: Direction, b: DirBuffer): void {
    if (b.buffered === 0) return;
    appendFileSync(this.path(d), b.chunks.length === 1 ? b.chunks[0]! : Buffer.concat(b.chunks, b.buffered));
    b.chunks = [];
    b.buffered = 0;
  }

  close(): void {
    this.flush('c2s', this.c2s);
    this.flush('s2c', this.s2c);
    if (this.gaps !== '') writeFileSync(this.path('gaps'), this.gaps);
  }
}

export function prepareDumpDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
