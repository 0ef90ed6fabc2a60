import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { REPO_ROOT } from '../../helpers/paths.js';

// Issue 14 item 9: what an install needs travels in the package, the licence package.json names
// exists, and the Docker image's default configuration can be scraped on the port it EXPOSEs.

const PKG = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  license: string; files: string[]; bin: Record<string, string>; scripts: Record<string, string>;
};

test('LICENSE is the MIT licence package.json declares', () => {
  assert.equal(PKG.license, 'MIT');
  const text = readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8');
  assert.match(text, /^MIT License\n/);
  assert.match(text, /Permission is hereby granted, free of charge/);
});

test('npm pack carries the docs, the systemd unit, the configs, the licence and the built CLI', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const files = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  for (const f of ['LICENSE', 'README.md', 'docs/operations.md', 'docs/events.md', 'systemd/mailtap.service', 'config/mailtap.yaml',
    'config/prometheus/alerts.yml', 'config/grafana/mailtap.json', 'config/logrotate/mailtap', 'config/mailtap.alloy',
    'scripts/install-deps.sh', 'native/pcap-batch/binding.gyp']) {
    assert.ok(files.has(f), `${f} is in the package`);
  }
  assert.ok(![...files].some((f) => f.startsWith('test/') || f.startsWith('src/')), 'no tests or TypeScript sources');
  // The CLI is built output: `npm pack` builds first (prepack), and `files` carries dist/src.
  assert.equal(PKG.scripts['prepack'], 'npm run build');
  assert.ok(PKG.files.includes('dist/src'));
  assert.equal(PKG.bin['mailtap'], 'dist/src/cli/main.js');
  assert.match(readFileSync(join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the bin runs as a program');
  if (existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'))) assert.ok(files.has('dist/src/cli/main.js'));
});

test('Docker: the image default configuration listens on all addresses at the EXPOSEd port', () => {
  const docker = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const runtime = docker.slice(docker.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const m of runtime.matchAll(/^ENV (\w+)=(\S+)$/gm)) env[m[1]!] = m[2]!;
  const expose = /^EXPOSE (\d+)$/m.exec(runtime);
  assert.ok(expose !== null);
  const cmd = /^CMD \[(.*)\]$/m.exec(runtime);
  assert.ok(cmd !== null && cmd[1]!.includes('/opt/mailtap/config/mailtap.yaml'), 'the image runs the shipped config');
  const cfg = loadConfig({ path: join(REPO_ROOT, 'config', 'mailtap.yaml'), env });
  assert.equal(cfg.metrics.listen, `0.0.0.0:${expose[1]}`);
  assert.equal(loadConfig({ path: join(REPO_ROOT, 'config', 'mailtap.yaml'), env: {} }).metrics.listen, '127.0.0.1:9469', 'outside Docker: loopback');
});
