// `npm run build:native` (scripts/build-native.sh) builds the addon offline: against the running
// node's own headers (PREFIX/include/node), never downloading them, whatever the user's npm config
// says (HOME is a fresh directory here, so no ~/.npmrc nodedir helps). Built in a copy, so the
// addon the other tests load is not rebuilt under them. Needs a C compiler, make, python3 and
// libpcap-dev, as CI has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

test('npm run build:native compiles the addon against the local node headers, with no npm config', { timeout: 300_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'mailtap-native-build-'));
  try {
    const copy = join(work, 'pcap-batch');
    cpSync(join(REPO_ROOT, 'native', 'pcap-batch', 'binding.gyp'), join(copy, 'binding.gyp'));
    cpSync(join(REPO_ROOT, 'native', 'pcap-batch', 'src'), join(copy, 'src'), { recursive: true });
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: join(work, 'home'), npm_config_update_notifier: 'false' };
    const r = spawnSync('npm', ['run', 'build:native', '--', copy], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 240_000 });
    const out = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, out);
    const prefix = resolve(process.execPath, '..', '..');
    assert.ok(out.includes(`-Dnode_root_dir=${prefix}`), `built against ${prefix}/include/node:\n${out}`);
    // node-gyp logs `gyp http GET https://nodejs.org/…` when it fetches headers.
    assert.doesNotMatch(out, /gyp http|download/i, 'nothing fetched');
    const built = join(copy, 'build', 'Release', 'pcap_batch.node');
    assert.ok(existsSync(built));
    const addon = createRequire(import.meta.url)(built) as Record<string, unknown>;
    for (const f of ['open', 'start', 'stop', 'stats', 'devices', 'compile', 'match']) assert.equal(typeof addon[f], 'function', f);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
