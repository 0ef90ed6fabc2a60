// Finds the capture files of the corpus and the seed examples (by magic number, so expectation
// files, READMEs and logs stored beside them are skipped), for the end-to-end comparisons.
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FIXTURES, fixture } from './paths.js';

const MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a]);

export function isCapture(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(4);
    return readSync(fd, b, 0, 4, 0) === 4 && MAGICS.has(b.readUInt32BE(0));
  } finally {
    closeSync(fd);
  }
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && isCapture(p)) out.push(p);
  }
}

/** Absolute paths of every corpus capture and seed capture, sorted. */
export function allCaptures(): string[] {
  const out: string[] = [];
  walk(fixture('corpus'), out);
  walk(fixture('seed'), out);
  return out.sort();
}

/** A capture's path relative to test/fixtures, for test names and exception tables. */
export function captureName(path: string): string {
  return relative(FIXTURES, path);
}
