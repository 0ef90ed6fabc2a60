// Writes a fuzz run's findings and new corpus entries to a directory (outside the repository by
// default: /tmp/mailtap-fuzz), named by content hash so reruns merge: <dir>/corpus/<target>/ and
// <dir>/findings/<target>/<kind>-<hash>.bin with a .txt beside it (message and stack).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FuzzResult } from './fuzzer.js';

export function defaultOutDir(): string {
  return process.env.FUZZ_OUT ?? join(tmpdir(), 'mailtap-fuzz');
}

function hashName(b: Buffer): string {
  return createHash('sha1').update(b).digest('hex').slice(0, 16);
}

export function corpusDir(outDir: string, target: string): string {
  return join(outDir, 'corpus', target);
}

/** Saves the result; returns the paths of the finding inputs written. */
export function saveResult(outDir: string, r: FuzzResult, withCorpus: boolean): string[] {
  const target = r.stats.target;
  const paths: string[] = [];
  if (withCorpus) {
    const cdir = corpusDir(outDir, target);
    mkdirSync(cdir, { recursive: true });
    for (const c of r.corpus) writeFileSync(join(cdir, `${hashName(c)}.bin`), c);
  }
  if (r.findings.length > 0) {
    const fdir = join(outDir, 'findings', target);
    mkdirSync(fdir, { recursive: true });
    for (const f of r.findings) {
      const base = join(fdir, `${f.kind}-${hashName(f.input)}`);
      writeFileSync(`${base}.bin`, f.input);
      writeFileSync(`${base}.txt`, `${f.kind}: ${f.message}\nseed ${r.stats.seed}\n\n${f.stack}\n`);
      paths.push(`${base}.bin`);
    }
  }
  return paths;
}
