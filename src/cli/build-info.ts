// What this build is made of, for `mailtap --version` and mailtap_build_info (SPEC §2, §4): the
// package version, Node's, and the libpcap the capture links against. An operator comparing two
// sensors, or a bug report, needs the libpcap version: TPACKET_V3, immediate mode and pcap_stats
// differ between releases. Stateless apart from one cached lookup.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'mailtap' && typeof pkg.version === 'string') return pkg.version;
    }
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

/** `x.y.z` from the file name a libpcap soname resolves to (Debian: libpcap.so.0.8 → libpcap.so.1.10.3). */
export function versionFromLibraryPath(path: string): string | null {
  const m = /libpcap\.so\.(\d+\.\d+(?:\.\d+)?)$/.exec(path);
  return m === null || m[1]!.startsWith('0.') ? null : m[1]!;
}

function run(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout : null;
}

/** The dynamic linker's libpcap (what cap.node and the native addon load), via `ldconfig -p`. */
function fromLinker(): string | null {
  const out = run('ldconfig', ['-p']) ?? run('/sbin/ldconfig', ['-p']);
  if (out === null) return null;
  for (const line of out.split('\n')) {
    const m = /^\s*libpcap\.so(?:\.[\d.]+)? \(([^)]*)\) => (\S+)$/.exec(line);
    if (m === null || (process.arch === 'x64' && !m[1]!.includes('x86-64'))) continue;
    try {
      const v = versionFromLibraryPath(realpathSync(m[2]!));
      if (v !== null) return v;
    } catch {
      // a stale cache entry: try the next line
    }
  }
  return null;
}

/** `pcap-config --version` (libpcap-dev): the headers' version, when the linker cache says nothing. */
function fromPcapConfig(): string | null {
  const v = run('pcap-config', ['--version'])?.trim() ?? '';
  return /^\d+\.\d+/.test(v) ? v : null;
}

let cached: string | null = null;

/** libpcap's version, or `unknown` (never throws). */
export function libpcapVersion(): string {
  cached ??= fromLinker() ?? fromPcapConfig() ?? 'unknown';
  return cached;
}

export interface BuildInfo { version: string; node: string; libpcap: string }

export function buildInfo(): BuildInfo {
  return { version: packageVersion(), node: process.versions.node, libpcap: libpcapVersion() };
}
