import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

// cap turns on libpcap immediate mode through dlopen("libpcap.so") + dlsym (binding.cc): without
// it, TPACKET_V3 hands packets over only when a ring block fills or the 1 s timeout expires.
// Only libpcap-dev ships that unversioned name, hence the link in the Docker runtime stage.

const SYMBOL = 'pcap_set_immediate_mode';

function capDlopenName(): string {
  const binding = readFileSync(join(REPO_ROOT, 'node_modules', 'cap', 'src', 'binding.cc'), 'utf8');
  const m = /dlopen\("([^"]+)"/.exec(binding);
  assert.ok(m !== null, 'cap dlopens libpcap by name');
  assert.ok(binding.includes(`"${SYMBOL}"`), `cap looks up ${SYMBOL}`);
  return m[1]!;
}

function ldconfigPath(): string {
  for (const p of ['/sbin/ldconfig', '/usr/sbin/ldconfig']) if (existsSync(p)) return p;
  return 'ldconfig';
}

test('the library name cap dlopens resolves here and exports pcap_set_immediate_mode', () => {
  const name = capDlopenName();
  assert.equal(name, 'libpcap.so');
  // process.dlopen hands a bare name to dlopen(3) unchanged, so the search is cap's own: a
  // library that loads but is no Node addon says "did not self-register"; a missing one "cannot open".
  assert.throws(() => process.dlopen({ exports: {} }, name), (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.doesNotMatch(err.message, /cannot open shared object/, 'install libpcap-dev (or link libpcap.so to libpcap.so.0.8)');
    assert.match(err.message, /did not self-register/);
    return true;
  });
  const cache = execFileSync(ldconfigPath(), ['-p'], { encoding: 'utf8' });
  const line = cache.split('\n').find((l) => l.trim().startsWith(`${name} `));
  assert.ok(line !== undefined, `${name} is in the loader cache`);
  const file = line.split('=> ')[1]!.trim();
  assert.ok(readFileSync(file).includes(Buffer.from(`${SYMBOL}\0`, 'latin1')), `${file} exports ${SYMBOL}`);
});

test('on glibc the symbol is found even without libpcap.so, through the addon\'s own libpcap', () => {
  // cap calls dlsym(handle) with the handle of a failed dlopen, i.e. NULL = RTLD_DEFAULT; glibc
  // then searches the caller's scope, which holds cap.node's DT_NEEDED libpcap.so.0.8. A probe
  // built the same way (a library linked to libpcap, loaded RTLD_LOCAL like a Node addon)
  // checks that on this libc, so the docs can say exactly when the link matters.
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-dlsym-'));
  try {
    writeFileSync(join(dir, 'probe.c'), [
      '#include <dlfcn.h>',
      '#include <pcap/pcap.h>',
      'const char *keep(void) { return pcap_lib_version(); }',
      `int probe(void) { void *h = dlopen("libpcap.so.mailtap-missing", RTLD_LAZY); return h == NULL && dlsym(h, "${SYMBOL}") != NULL; }`,
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'main.c'), [
      '#include <dlfcn.h>',
      '#include <stddef.h>',
      'int main(int argc, char **argv) {',
      '  if (argc < 2) return 2;',
      '  void *so = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);',
      '  if (so == NULL) return 2;',
      '  int (*probe)(void) = (int (*)(void))dlsym(so, "probe");',
      '  return probe() ? 0 : 1;',
      '}',
      '',
    ].join('\n'));
    const cc = (args: string[]): void => {
      const r = spawnSync('cc', args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `cc ${args.join(' ')} (needs gcc and libpcap-dev: scripts/install-deps.sh)\n${r.stderr}`);
    };
    cc(['-shared', '-fPIC', '-o', 'probe.so', 'probe.c', '-Wl,--no-as-needed', '-lpcap']);
    cc(['-o', 'main', 'main.c', '-ldl']);
    const r = spawnSync(join(dir, 'main'), [join(dir, 'probe.so')], { encoding: 'utf8' });
    assert.equal(r.status, 0, 'dlsym(NULL) from an RTLD_LOCAL library finds its dependency\'s symbol');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
