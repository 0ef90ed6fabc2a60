// Runs the mailtap CLI as a child process, the same way from test/ under tsx (main.ts, with the
// parent's --import tsx) and from dist/test/ after tsc (main.js): the entry point is found relative
// to this helper and the child inherits process.execArgv.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const ext = here.endsWith('.ts') ? '.ts' : '.js';
/** src/cli/main.ts beside test/ (tsx), or dist/src/cli/main.js beside dist/test/ (compiled). */
export const MAIN = fileURLToPath(new URL(`../../src/cli/main${ext}`, import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  /** Bytes written to the child's standard input (then closed); default: stdin closed at once. */
  stdin?: Buffer;
  cwd?: string;
}

/**
 * A fixed uid seed for every run of the CLI from the tests: many tests compare two runs event by
 * event, and without a seed each process draws a random uid prefix (SPEC §3). A test about that
 * randomness passes `env: { MAILTAP_OUTPUT_UID_SEED: undefined }` to run without it.
 */
export const TEST_UID_SEED = 'mailtap-tests';

/** Environment without MAILTAP_* variables of the developer's shell, plus the test uid seed and
 *  `extra` (a key given as undefined is removed). */
function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MAILTAP_')) env[k] = v;
  env['MAILTAP_OUTPUT_UID_SEED'] = TEST_UID_SEED;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runCli(args: readonly string[], opts: RunCliOptions = {}): Promise<CliResult> {
  if (!existsSync(MAIN)) throw new Error(`CLI entry point missing: ${MAIN}`);
  return new Promise((resolve, reject) => {
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
    const child = spawn(process.execPath, [...execArgv, MAIN, ...args], {
      env: cleanEnv(opts.env),
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined); // the child may exit before reading it all
    child.stdin.end(opts.stdin);
  });
}

/** Parses NDJSON output into objects (one per non-empty line). */
export function ndjson(buf: Buffer | string): Record<string, unknown>[] {
  return buf
    .toString()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
