// A copy of the compiled CLI that an unprivileged user can read. `mailtap run` drops to that user
// after opening the capture and loads worker and charset modules afterwards, so the code must be
// readable by it; a CI clone may live under a home directory that is not (mode 700).
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** True when `user` can read `file` (checked as that user, with setpriv). */
export function readableBy(user: string, group: string, file: string): boolean {
  const r = spawnSync('setpriv', [`--reuid=${user}`, `--regid=${group}`, '--clear-groups', 'test', '-r', file], { timeout: 10_000 });
  return r.status === 0;
}

/**
 * Copies dist/src, package.json and the production packages of package-lock.json into a fresh,
 * world-readable directory and returns the path of its main.js. Needs a compiled build.
 */
export function stageReadableApp(): { main: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-app-'));
  cpSync(join(REPO_ROOT, 'dist', 'src'), join(dir, 'dist', 'src'), { recursive: true });
  cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  for (const [path, info] of Object.entries(lock.packages)) {
    if (path === '' || info.dev === true || info.devOptional === true) continue;
    cpSync(join(REPO_ROOT, path), join(dir, path), { recursive: true });
  }
  chmodSync(dir, 0o755);
  const r = spawnSync('chmod', ['-R', 'a+rX', dir]);
  if (r.status !== 0) throw new Error(`chmod -R a+rX ${dir} failed`);
  return { main: join(dir, 'dist', 'src', 'cli', 'main.js'), dir };
}
