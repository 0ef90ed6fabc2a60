// Network namespaces for tests that run real servers and capture their loopback (issue 5): the
// preconditions (root, tools) fail with a message saying what to install, never skip; one uniquely
// named namespace per test, and destroy() ends what was started in it and deletes it. Benchmarks
// (test/bench/live-bench.ts, soak.ts) also join two namespaces by a veth pair and run tools in them.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess, SpawnSyncReturns } from 'node:child_process';
import { watchLines } from './line-watch.js';
import type { LineWatch } from './line-watch.js';

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

/** Offload features a capture end turns off (libpcap sizes ring slots for 64 KiB while any is on). */
export const CAPTURE_OFFLOADS = ['gro', 'gso', 'tso', 'lro'] as const;

/**
 * A veth pair from `a` (interface `aIf`) to `b` (`bIf`), both up; `bIf` promiscuous, since replayed
 * frames keep the capture file's MAC addresses. Interface names: at most 15 bytes (IFNAMSIZ).
 * The pair goes away with either namespace.
 */
export function linkVeth(a: Netns, aIf: string, b: Netns, bIf: string): void {
  const ip = (args: readonly string[]): void => {
    execFileSync('ip', args, { stdio: 'pipe', timeout: NETNS_COMMAND_TIMEOUT_MS });
  };
  // Created in the root namespace under temporary names, then moved: names in the root namespace
  // may already be taken by another run's pair; inside the namespaces they are free.
  const tmpA = `mtv${process.pid % 100000}a`;
  const tmpB = `mtv${process.pid % 100000}b`;
  ip(['link', 'add', tmpA, 'type', 'veth', 'peer', 'name', tmpB]);
  try {
    ip(['link', 'set', tmpA, 'netns', a.name]);
    ip(['link', 'set', tmpB, 'netns', b.name]);
  } catch (err) {
    spawnSync('ip', ['link', 'del', tmpA], { stdio: 'ignore', timeout: NETNS_COMMAND_TIMEOUT_MS });
    throw err;
  }
  ip(['-n', a.name, 'link', 'set', tmpA, 'name', aIf]);
  ip(['-n', b.name, 'link', 'set', tmpB, 'name', bIf]);
  ip(['-n', a.name, 'link', 'set', aIf, 'up']);
  ip(['-n', b.name, 'link', 'set', bIf, 'promisc', 'on', 'up']);
}

/**
 * Sets each of CAPTURE_OFFLOADS on or off on `iface` (one ethtool call per feature: a "fixed"
 * feature such as veth's lro refuses and the others still change) and returns `ethtool -k` lines
 * for them as they are afterwards.
 */
export function setOffloads(ns: Netns, iface: string, on: boolean): string[] {
  for (const f of CAPTURE_OFFLOADS) ns.exec(['ethtool', '-K', iface, f, on ? 'on' : 'off']);
  const shown = ns.exec(['ethtool', '-k', iface]).stdout ?? '';
  const wanted = /^(generic-receive-offload|generic-segmentation-offload|tcp-segmentation-offload|large-receive-offload):/;
  return shown.split('\n').filter((l) => wanted.test(l));
}

/** A process started in a namespace whose stderr lines (and stdout, when asked) are kept. */
/** A process started in a namespace; `lines` holds stderr (and stdout with `keepStdout`). */
export interface NetnsProc extends LineWatch {
  readonly child: ChildProcess;
}

/** Starts argv inside `ns` (not waited for) in `cwd`; stdout is discarded unless `keepStdout`. */
export function spawnIn(ns: Netns, argv: readonly string[], keepStdout = false, cwd?: string): NetnsProc {
  const child = spawn('ip', ['netns', 'exec', ns.name, ...argv], { stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'], cwd });
  return { child, ...watchLines(child, [child.stderr, child.stdout]) };
}

/** HTTP GET from inside `ns` (a short-lived node child: the caller lives outside it); status 0 = failed. */
export function httpGetIn(ns: Netns, url: string, timeoutMs = 10_000): { status: number; body: string } {
  const js = 'fetch(process.argv[1]).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })), (e) => process.stdout.write(JSON.stringify({ status: 0, body: String(e) })))';
  const r = ns.exec([process.execPath, '-e', js, url], timeoutMs);
  const out = r.stdout ?? '';
  try {
    return JSON.parse(out === '' ? '{"status":0,"body":"no answer"}' : out) as { status: number; body: string };
  } catch {
    return { status: 0, body: out };
  }
}
