// Network namespaces for tests that run real servers and capture their loopback (issue 5): the
// preconditions (root, tools) fail with a message saying what to install, never skip; one uniquely
// named namespace per test, and destroy() ends what was started in it and deletes it.
import { execFileSync, spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';

/** Longest a namespace command may take before the test fails instead of hanging. */
const NETNS_COMMAND_TIMEOUT_MS = 20_000;

/** Tools (from `tools`) that are not on PATH. */
export function missingTools(tools: readonly string[]): string[] {
  const missing: string[] = [];
  for (const t of tools) {
    const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', t], { stdio: 'ignore' });
    if (r.status !== 0) missing.push(t);
  }
  return missing;
}

/** Throws (so the test fails, with the reason) unless running as root with every tool present. */
export function requireRootAndTools(tools: readonly string[]): void {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid !== 0) {
    throw new Error(`this test needs root (network namespaces, servers, tcpdump); uid is ${uid}`);
  }
  const missing = missingTools(tools);
  if (missing.length > 0) {
    throw new Error(`missing tools: ${missing.join(', ')}; run scripts/install-deps.sh --test`);
  }
}

/** Names of the network namespaces that exist now (`ip netns list`). */
export function netnsNames(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: NETNS_COMMAND_TIMEOUT_MS });
  const names: string[] = [];
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0];
    if (name !== undefined && name !== '') names.push(name);
  }
  return names;
}

export interface Netns {
  readonly name: string;
  /** Runs argv inside the namespace, bounded by timeoutMs; the result says how it ended. */
  exec(argv: readonly string[], timeoutMs?: number): SpawnSyncReturns<string>;
  /** Ends every process still in the namespace, then deletes it. Safe to call twice. */
  destroy(): void;
}

/** Creates `<prefix>-<pid>-<random>` with lo up (127.0.0.1 and ::1). */
export function createNetns(prefix: string): Netns {
  const name = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e9).toString(36)}`;
  const ip = (args: readonly string[]): void => {
    execFileSync('ip', args, { stdio: 'pipe', timeout: NETNS_COMMAND_TIMEOUT_MS });
  };
  ip(['netns', 'add', name]);
  let alive = true;
  const ns: Netns = {
    name,
    exec(argv, timeoutMs = NETNS_COMMAND_TIMEOUT_MS) {
      return spawnSync('ip', ['netns', 'exec', name, ...argv], { encoding: 'utf8', timeout: timeoutMs });
    },
    destroy() {
      if (!alive) return;
      alive = false;
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8', timeout: NETNS_COMMAND_TIMEOUT_MS });
        for (const p of (pids.stdout ?? '').split('\n')) {
          const pid = Number(p);
          if (Number.isInteger(pid) && pid > 0) {
            try {
              process.kill(pid, signal);
            } catch {
              // already gone
            }
          }
        }
      }
      spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: NETNS_COMMAND_TIMEOUT_MS });
    },
  };
  try {
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    ns.destroy();
    throw err;
  }
  return ns;
}
