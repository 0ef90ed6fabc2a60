import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../../src/config/schema.js';
import { REPO_ROOT } from '../../helpers/paths.js';

// No Docker engine in CI and no hadolint in Debian or npm: the Dockerfile is parsed here and held
// to what hadolint would check plus what mailtap needs (stages, non-root user, libpcap, the build
// commands CI runs). Every RUN is also syntax-checked by sh -n.

interface Instruction { op: string; args: string; stage: number }

const TEXT = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const PKG = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string>; engines: { node: string } };

function parse(text: string): Instruction[] {
  const out: Instruction[] = [];
  let stage = -1;
  let buf = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (buf === '' && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    if (buf !== '' && line.trim().startsWith('#')) continue; // comment inside a continuation
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (buf + line).trim();
    buf = '';
    const sp = full.indexOf(' ');
    const op = full.slice(0, sp).toUpperCase();
    if (op === 'FROM') stage++;
    out.push({ op, args: full.slice(sp + 1).trim(), stage });
  }
  return out;
}

const INS = parse(TEXT);
const runs = (stage: number): string[] => INS.filter((i) => i.stage === stage && i.op === 'RUN').map((i) => i.args);

test('two stages: node 20 build stage named `build`, slim runtime', () => {
  const froms = INS.filter((i) => i.op === 'FROM').map((i) => i.args);
  assert.equal(froms.length, 2);
  assert.match(froms[0]!, /^node:20-bookworm AS build$/);
  assert.match(froms[1]!, /^node:20-bookworm-slim AS runtime$/);
  assert.match(PKG.engines.node, /^>=20$/, 'the base image major matches package.json engines');
  assert.ok(!INS.some((i) => i.op === 'ADD'), 'COPY, never ADD (hadolint DL3020)');
});

test('the build stage runs the commands CI runs', () => {
  const build = runs(0).join(' && ');
  assert.match(build, /\bnpm ci\b/);
  assert.match(build, /\bnpm run build\b/);
  assert.match(build, /npm prune --omit=dev/);
  const ci = readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8');
  assert.match(ci, /^npm ci\b/m, '.ci/run installs with npm ci');
  assert.match(PKG.scripts.test ?? '', /npm run build/, 'npm test builds with the same script');
  assert.match(build, /libpcap-dev/, 'cap compiles against libpcap headers');
});

test('every COPY source exists and every --from names a stage', () => {
  for (const c of INS.filter((i) => i.op === 'COPY')) {
    const parts = c.args.split(/\s+/);
    if (parts[0]!.startsWith('--from=')) {
      assert.equal(parts[0], '--from=build');
      continue;
    }
    for (const src of parts.slice(0, -1)) assert.ok(existsSync(join(REPO_ROOT, src)), `COPY source ${src}`);
  }
});

test('apt-get: no recommends, lists removed in the same layer (hadolint DL3015, DL3009)', () => {
  for (const r of INS.filter((i) => i.op === 'RUN' && i.args.includes('apt-get install'))) {
    assert.match(r.args, /apt-get install -y --no-install-recommends/);
    assert.match(r.args, /rm -rf \/var\/lib\/apt\/lists\/\*/);
    assert.match(r.args, /apt-get update/);
  }
});

test('runtime: libpcap0.8 plus the unversioned libpcap.so that cap dlopens', () => {
  const binding = readFileSync(join(REPO_ROOT, 'node_modules', 'cap', 'src', 'binding.cc'), 'utf8');
  const m = /dlopen\("([^"]+)"/.exec(binding);
  assert.ok(m !== null, 'cap still dlopens libpcap by name');
  const rt = runs(1).join(' && ');
  assert.match(rt, /--no-install-recommends libpcap0\.8\b/);
  assert.ok(!rt.includes('libpcap-dev'), 'no headers at run time');
  assert.ok(rt.includes(`ln -sf libpcap.so.0.8 "$(dirname "$lib")/${m[1]}"`), `links ${m[1]}`);
  assert.match(rt, /ldconfig/);
  assert.match(rt, /process\.dlopen\(\{ exports: \{\} \}, 'libpcap\.so'\)/, 'the build checks the name resolves');
});

test('runs as a dedicated non-root user with exactly the two capture capabilities on node', () => {
  const users = INS.filter((i) => i.op === 'USER');
  const last = users[users.length - 1];
  assert.ok(last !== undefined && last.stage === 1);
  assert.doesNotMatch(last.args, /^(root|0)(:|$)/);
  assert.equal(last.args, 'mailtap:mailtap');
  const rt = runs(1).join(' && ');
  assert.match(rt, /useradd --system --uid \d+ --gid mailtap/);
  assert.match(rt, /setcap cap_net_raw,cap_net_admin\+ep /);
  const idxUser = INS.indexOf(last);
  const idxEntry = INS.findIndex((i) => i.op === 'ENTRYPOINT');
  assert.ok(idxUser < idxEntry);
  assert.match(TEXT, /docker run .*--net=host --cap-add NET_RAW --cap-add NET_ADMIN/, 'the documented run line');
});

test('entrypoint is the package bin, health check and port match the metrics default', () => {
  const entry = JSON.parse(INS.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
  assert.deepEqual(entry, ['node', `/opt/mailtap/${PKG.bin.mailtap}`]);
  assert.ok(existsSync(join(REPO_ROOT, 'src', 'cli', 'main.ts')));
  const cmd = JSON.parse(INS.find((i) => i.op === 'CMD')!.args) as string[];
  assert.equal(cmd[0], 'run');
  const port = defaultConfig().metrics.listen.split(':').pop();
  assert.equal(INS.find((i) => i.op === 'EXPOSE')?.args, port);
  const hc = INS.find((i) => i.op === 'HEALTHCHECK');
  assert.ok(hc !== undefined && hc.args.includes(`http://127.0.0.1:${port}/healthz`));
});

test('every RUN is valid POSIX shell (sh -n)', () => {
  for (const r of INS.filter((i) => i.op === 'RUN')) {
    const res = spawnSync('sh', ['-n', '-c', r.args], { encoding: 'utf8' });
    assert.equal(res.status, 0, `${r.args}\n${res.stderr}`);
  }
});
