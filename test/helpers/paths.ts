// Paths for tests, valid both from test/ (tsx) and from dist/test/ (compiled).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}

export const REPO_ROOT = findRepoRoot();
/** The shared/ folder beside the repository (read-only: corpus, fixtures, tools, schema). */
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
/** The compiled CLI entry point. */
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}
