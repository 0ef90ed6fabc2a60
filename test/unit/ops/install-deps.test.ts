import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

// Issue 14 item 1: a fresh machine failed CI because tcpreplay, which four tests start, was not in
// scripts/install-deps.sh. This test collects every program the tests, benchmarks and scripts
// start (by reading their source, not by a list someone must remember) and checks that
// `install-deps.sh --test --list` names the Debian package that provides each.

/** Program → the package install-deps.sh must list (`install`), and the package dpkg says owns
 *  the file (`owner`, when another package brings it in as a dependency). `essential`: part of
 *  every Debian system (Essential: yes), nothing to install. `node`: comes with Node.js, which
 *  install-deps.sh checks for instead of installing. */
interface Source { install?: string; owner?: RegExp; essential?: true; node?: true }
const PROVIDERS: Record<string, Source> = {
  bash: { essential: true }, sh: { essential: true }, mv: { essential: true }, chmod: { essential: true },
  rm: { essential: true }, mkdir: { essential: true }, cat: { essential: true }, timeout: { essential: true },
  sleep: { essential: true }, kill: { essential: true }, mktemp: { essential: true }, mkfifo: { essential: true }, sort: { essential: true },
  head: { essential: true }, tail: { essential: true }, cp: { essential: true }, ln: { essential: true },
  chown: { essential: true }, id: { essential: true }, date: { essential: true }, wc: { essential: true },
  dirname: { essential: true }, tr: { essential: true }, find: { essential: true }, grep: { essential: true },
  sed: { essential: true }, touch: { essential: true }, seq: { essential: true }, env: { essential: true },
  unshare: { essential: true }, nsenter: { essential: true }, setpriv: { essential: true },
  taskset: { essential: true }, script: { essential: true }, awk: { essential: true },
  cut: { essential: true }, getent: { essential: true }, uniq: { essential: true }, xargs: { essential: true },
  node: { node: true }, npm: { node: true }, npx: { node: true }, 'node-gyp': { node: true },
  ip: { install: 'iproute2' }, ss: { install: 'iproute2' },
  tcpreplay: { install: 'tcpreplay' }, ethtool: { install: 'ethtool' },
  tshark: { install: 'tshark' }, editcap: { install: 'tshark', owner: /^wireshark-common$/ },
  tcpdump: { install: 'tcpdump' }, tcpflow: { install: 'tcpflow' },
  postfix: { install: 'postfix' }, postconf: { install: 'postfix' }, postmap: { install: 'postfix' },
  dovecot: { install: 'dovecot-core' }, doveadm: { install: 'dovecot-core' },
  swaks: { install: 'swaks' }, openssl: { install: 'openssl' },
  prometheus: { install: 'prometheus' }, promtool: { install: 'prometheus' },
  'systemd-analyze': { install: 'systemd' }, logrotate: { install: 'logrotate' },
  time: { install: 'time' }, jq: { install: 'jq' }, python3: { install: 'python3', owner: /^python3(-minimal)?$/ },
  sysctl: { install: 'procps' }, mount: { install: 'mount' }, perf: { install: 'linux-perf', owner: /^linux-perf(-[\d.]+)?$/ },
  cc: { install: 'g++', owner: /^gcc(-\d+)?$/ }, make: { install: 'make' },
  'pcap-config': { install: 'libpcap-dev', owner: /^libpcap\d*(\.\d+)?-dev$/ },
};

/** Words that start a shell command but are the shell's own, or mailtap's scripts' functions. */
const SHELL_WORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac',
  'in', 'function', 'return', 'local', 'export', 'echo', 'printf', 'read', 'set', 'shift', 'trap', 'exit', 'cd',
  'test', 'true', 'false', 'wait', 'source', 'declare', 'unset', 'eval', 'break', 'continue', 'shopt', 'exec',
  'command', 'let', 'pwd', 'type', 'umask', 'mapfile', 'readarray', 'builtin', 'select', 'time']);
/** Commands that run their argument as a command: `timeout 20 ip ...`, `ip netns exec NS cmd`. */
const WRAPPERS = new Set(['timeout', 'in_ns', 'exec', 'command', 'env', 'setpriv', 'taskset', 'nice']);

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'out' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|sh|py)$/.test(name)) out.push(p);
  }
}

/** The files whose programs count: all of test/ and scripts/, and CI's entry point. */
function sourceFiles(): string[] {
  const files: string[] = [];
  walk(join(REPO_ROOT, 'test'), files);
  walk(join(REPO_ROOT, 'scripts'), files);
  files.push(join(REPO_ROOT, '.ci', 'run'));
  // install-deps.sh is the installer: its tools (apt-get, dpkg-query, systemctl) are Debian's own.
  return files.filter((f) => basename(f) !== 'install-deps.sh' && f !== thisFile());
}

function thisFile(): string {
  return join(REPO_ROOT, 'test', 'unit', 'ops', 'install-deps.test.ts');
}

/** Every string literal inside `text`. */
function literals(text: string): string[] {
  return [...text.matchAll(/'([^']*)'/g)].map((m) => m[1] ?? '');
}

/** Programs a TypeScript file starts: child_process calls, argv arrays for the namespace helpers,
 *  `ip netns exec NS prog`, and the tool lists tests check before they start. */
function programsInTs(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:spawn|spawnSync|execFile|execFileSync)\(\s*'([^']+)'/g,
    /\.exec\(\s*\[\s*'([^']+)'/g,
    /\bspawnIn\(\s*\w+,\s*\[(?:\s*\.\.\.\w+(?:\([^)]*\))?,)?\s*'([^']+)'/g,
    /'exec',\s*[\w.]+,\s*'([^']+)'/g,
    /\? \[\s*'([a-z][\w-]*)',\s*'-/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1] ?? '');
  for (const m of text.matchAll(/(?:requireRootAndTools|missingTools)\(\s*\[([^\]]*)\]|\bTOOLS = \[([^\]]*)\]/g)) {
    found.push(...literals(m[1] ?? m[2] ?? ''));
  }
  return found;
}

/** Programs a Python file starts: subprocess calls with a literal argv, and `argv = ['prog', ...]`. */
function programsInPy(text: string): string[] {
  return [...text.matchAll(/(?:subprocess\.\w+\(|\bargv\s*=)\s*\[\s*'([^']+)'/g)].map((m) => m[1] ?? '');
}

/** A shell script without heredoc bodies, comments, line continuations and arithmetic, with each
 *  quoted string replaced by the command substitutions inside it (`"$(id -u)"` still runs id). */
function shellCode(text: string): string {
  const kept: string[] = [];
  let heredoc: string | null = null;
  for (const raw of text.replace(/\\\n/g, ' ').split('\n')) {
    if (heredoc !== null) {
      if (raw.trim() === heredoc) heredoc = null;
      continue;
    }
    kept.push(raw.replace(/(^|\s)#.*$/, ''));
    const hd = /<<-?\s*['"]?(\w+)['"]?/.exec(raw);
    if (hd !== null) heredoc = hd[1] ?? null;
  }
  return kept.join('\n')
    .replace(/'[^']*'/g, ' QUOTED ')
    .replace(/"(?:[^"\\]|\\.)*"/g, (q) => ` QUOTED ${[...q.matchAll(/\$\(([^()]*)\)/g)].map((m) => `; ${m[1] ?? ''} ;`).join('')} `)
    .replace(/\(\([^)]*\)\)/g, ' true ');
}

/** The command words of shell scripts: the first word of every simple command (after variable
 *  assignments and wrappers such as `timeout N`), skipping the shell's own words and the functions
 *  the scripts define (`functions`: lib.sh's are called from the scripts that source it). */
function programsInSh(text: string, functions: ReadonlySet<string>): string[] {
  const found: string[] = [];
  for (const line of shellCode(text).split('\n')) {
    for (const part of line.split(/;|&&|\|\||\||\$\(|`|\{|\}|\(|\)|\bthen\b|\bdo\b|\belse\b|\[\[|\]\]/)) {
      const words = part.trim().split(/\s+/);
      let i = 0;
      while (i < words.length) {
        const w = words[i] ?? '';
        if (/^\w+=/.test(w) || w === '!' || w === 'sudo') i++;
        else if (WRAPPERS.has(w)) {
          if (!functions.has(w) && (!SHELL_WORDS.has(w) || w === 'time')) found.push(w);
          i++;
          while (i < words.length && /^(-|\d|"?\$)/.test(words[i] ?? '')) i++;
        } else if (w === 'ip' && words[i + 1] === 'netns' && words[i + 2] === 'exec') {
          found.push('ip');
          i += 4;
        } else break;
      }
      const cmd = words[i] ?? '';
      if (/^[a-z][\w.+-]*$/.test(cmd) && !SHELL_WORDS.has(cmd) && !functions.has(cmd)) found.push(cmd);
    }
  }
  return found;
}

/** Program → the files that start it. */
function collectPrograms(): Map<string, string[]> {
  const programs = new Map<string, string[]>();
  const files = sourceFiles();
  const isSh = (f: string): boolean => !f.endsWith('.ts') && !f.endsWith('.py');
  const functions = new Set<string>();
  for (const f of files.filter(isSh)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/^\s*([\w-]+)\(\)\s*\{/gm)) functions.add(m[1] ?? '');
  }
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const names = file.endsWith('.ts') ? programsInTs(text) : file.endsWith('.py') ? programsInPy(text) : programsInSh(text, functions);
    for (const name of names) {
      const prog = basename(name);
      // mailtap itself is what the tests test; built by npm, not installed.
      if (prog === '' || prog === 'mailtap' || prog.includes('$') || /\.(sh|py|ts|js)$/.test(prog)) continue;
      const where = programs.get(prog) ?? [];
      const rel = relative(REPO_ROOT, file);
      if (!where.includes(rel)) where.push(rel);
      programs.set(prog, where);
    }
  }
  return programs;
}

function listedPackages(): Set<string> {
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'install-deps.sh'), '--test', '--list'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Set(r.stdout.split('\n').filter((l) => l !== ''));
}

test('the scan finds the programs the tests are known to start (so an empty scan cannot pass)', () => {
  const programs = collectPrograms();
  for (const p of ['tcpreplay', 'ethtool', 'tshark', 'editcap', 'tcpdump', 'tcpflow', 'postfix', 'swaks',
    'prometheus', 'promtool', 'ip', 'openssl', 'time', 'systemd-analyze', 'logrotate', 'dovecot', 'sysctl', 'taskset']) {
    assert.ok(programs.has(p), `the scan did not find ${p}; found ${[...programs.keys()].sort().join(' ')}`);
  }
});

test('scripts/install-deps.sh --test installs every program the tests, benchmarks and scripts start', () => {
  const listed = listedPackages();
  const problems: string[] = [];
  for (const [prog, files] of [...collectPrograms()].sort()) {
    const src = PROVIDERS[prog];
    if (src === undefined) {
      problems.push(`${prog} (started in ${files.join(', ')}): unknown program; add it to PROVIDERS here and its package to scripts/install-deps.sh`);
    } else if (src.install !== undefined && !listed.has(src.install)) {
      problems.push(`${prog} (started in ${files.join(', ')}): package ${src.install} is not in scripts/install-deps.sh --test`);
    }
  }
  assert.deepEqual(problems, []);
});

test('the runtime set (no --test) has libpcap and ethtool, which docs/operations.md tells operators to run', () => {
  const r = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'install-deps.sh'), '--list'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const runtime = r.stdout.split('\n');
  assert.ok(runtime.includes('ethtool') && runtime.includes('libpcap-dev'), r.stdout);
  assert.ok(!runtime.includes('tcpreplay'), 'test tools stay out of the runtime set');
});

/** The package dpkg says owns `prog` (tries the usr-merged and the classic paths), or null. */
function dpkgOwner(prog: string): string | null {
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
    const path = join(dir, prog);
    if (!existsSync(path)) continue;
    for (const p of [path, path.replace(/^\/usr/, ''), `/usr${path}`]) {
      const r = spawnSync('dpkg-query', ['-S', p], { encoding: 'utf8' });
      const owner = r.status === 0 ? /^([\w.+-]+): /m.exec(r.stdout.split('\n').filter((l) => !l.startsWith('diversion')).join('\n')) : null;
      if (owner !== null) return owner[1] ?? null;
    }
    const real = spawnSync('readlink', ['-f', path], { encoding: 'utf8' }).stdout.trim();
    const r = spawnSync('dpkg-query', ['-S', real], { encoding: 'utf8' });
    const owner = r.status === 0 ? /^([\w.+-]+): /m.exec(r.stdout) : null;
    if (owner !== null) return owner[1] ?? null;
  }
  return null;
}

test('the program-to-package table matches dpkg for every program installed here', () => {
  const wrong: string[] = [];
  let checked = 0;
  for (const [prog, src] of Object.entries(PROVIDERS)) {
    if (src.install === undefined) continue;
    const owner = dpkgOwner(prog);
    if (owner === null) continue; // not installed on this machine: the listing test above still covers it
    checked++;
    const ok = src.owner !== undefined ? src.owner.test(owner) : owner === src.install;
    if (!ok) wrong.push(`${prog}: dpkg says ${owner}, the table says ${src.install}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked >= 5, `only ${checked} programs could be checked against dpkg`);
});

test('install-deps.sh --check-node: Node.js 18 or none fails and says how to get 20; 20 passes', () => {
  /** Runs the check with PATH = a directory holding `cat` and, unless null, a `node` printing `version`. */
  const run = (version: string | null): { status: number | null; err: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'mailtap-node-'));
    try {
      symlinkSync(spawnSync('sh', ['-c', 'command -v cat'], { encoding: 'utf8' }).stdout.trim(), join(dir, 'cat'));
      if (version !== null) writeFileSync(join(dir, 'node'), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
      const r = spawnSync('/bin/bash', [join(REPO_ROOT, 'scripts', 'install-deps.sh'), '--check-node'],
        { encoding: 'utf8', env: { PATH: dir } });
      return { status: r.status, err: r.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const old = run('v18.19.0');
  assert.equal(old.status, 1);
  assert.match(old.err, /Node\.js 20 or newer; found: v18\.19\.0/);
  assert.match(old.err, /deb\.nodesource\.com\/setup_20\.x/);
  const none = run(null);
  assert.equal(none.status, 1);
  assert.match(none.err, /found: no node on PATH/);
  const ok = run('v20.11.1');
  assert.equal(ok.status, 0, ok.err);
  assert.equal(run('v22.3.0').status, 0);
});
