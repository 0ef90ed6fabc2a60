// ExtractStore: paths come only from the directory and a hex SHA-256; temp files live under .tmp/;
// commit stores once and reports duplicates; sidecar lines are appended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExtractStore, TMP_DIR, isSha256Hex, sweepStaleTemps } from '../../../src/extract/store.js';

const SHA = 'bb5b9dfffcd016cd95ff1804367c73bc61444372cabcb580a4b2ea2054c514cf';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-store-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('pathFor accepts only 64 lower-case hex digits', () => {
  const s = new ExtractStore('/x');
  assert.equal(s.pathFor(SHA), join('/x', 'bb', SHA));
  for (const bad of ['../../etc/passwd', '/etc/passwd', SHA.toUpperCase(), `${SHA}a`, SHA.slice(1), `${SHA.slice(0, 63)}\0`, '']) {
    assert.equal(s.pathFor(bad), undefined, JSON.stringify(bad));
    assert.equal(isSha256Hex(bad), false);
  }
});

test('temp files are created under DIR/.tmp with distinct names', () => {
  withDir((dir) => {
    const s = new ExtractStore(dir);
    const a = s.openTemp();
    const b = s.openTemp();
    assert.ok(!('error' in a) && !('error' in b));
    if ('error' in a || 'error' in b) return;
    closeSync(a.fd);
    closeSync(b.fd);
    assert.notEqual(a.path, b.path);
    assert.equal(readdirSync(join(dir, TMP_DIR)).length, 2);
  });
});

test('commit moves the temp file under its hash; a second commit is a duplicate and removes its temp', () => {
  withDir((dir) => {
    const s = new ExtractStore(dir);
    const t1 = s.openTemp();
    const t2 = s.openTemp();
    if ('error' in t1 || 'error' in t2) throw new Error('openTemp failed');
    writeFileSync(t1.fd, 'abcdedf');
    closeSync(t1.fd);
    closeSync(t2.fd);
    assert.deepEqual(s.commit(t1.path, SHA), { kind: 'stored', path: join(dir, 'bb', SHA) });
    assert.deepEqual(s.commit(t2.path, SHA), { kind: 'duplicate', path: join(dir, 'bb', SHA) });
    assert.equal(readFileSync(join(dir, 'bb', SHA), 'utf8'), 'abcdedf');
    assert.deepEqual(readdirSync(join(dir, TMP_DIR)), []);
  });
});

test('commit with a non-hex name stores nothing and removes the temp', () => {
  withDir((dir) => {
    const s = new ExtractStore(dir);
    const t = s.openTemp();
    if ('error' in t) throw new Error('openTemp failed');
    closeSync(t.fd);
    assert.equal(s.commit(t.path, '../../escape').kind, 'error');
    assert.deepEqual(readdirSync(join(dir, TMP_DIR)), []);
    assert.deepEqual(readdirSync(dir).sort(), [TMP_DIR]);
  });
});

test('sidecar lines are appended beside the file', () => {
  withDir((dir) => {
    const s = new ExtractStore(dir);
    assert.equal(s.appendSidecar(SHA, Buffer.from('{"a":1}\n')), null);
    assert.equal(s.appendSidecar(SHA, Buffer.from('{"a":2}\n')), null);
    assert.equal(readFileSync(join(dir, 'bb', `${SHA}.json`), 'utf8'), '{"a":1}\n{"a":2}\n');
    assert.equal(s.appendSidecar('nothex', Buffer.from('x')), 'bad sha256');
  });
});

test('an unusable directory is an error value, not an exception', () => {
  withDir((dir) => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const s = new ExtractStore(join(file, 'sub'));
    const t = s.openTemp();
    assert.ok('error' in t);
    assert.notEqual(s.appendSidecar(SHA, Buffer.from('x')), null);
    assert.equal(existsSync(join(file, 'sub')), false);
  });
});

test('temp files of dead processes are swept on first use; ours and live ones stay', () => {
  withDir((dir) => {
    const tmp = join(dir, TMP_DIR);
    mkdirSync(tmp);
    // pid 2^22+1 is above Linux's pid_max ceiling, so it is never a live process.
    const dead = join(tmp, `${2 ** 22 + 1}-1-abcd-0`);
    const mine = join(tmp, `${process.pid}-9-abcd-0`);
    const live = join(tmp, `${process.ppid}-1-abcd-0`);
    const other = join(tmp, 'not-a-temp');
    for (const p of [dead, mine, live, other]) writeFileSync(p, 'x');
    const s = new ExtractStore(dir);
    const t = s.openTemp();
    if ('error' in t) throw new Error(t.error);
    closeSync(t.fd);
    assert.equal(s.sweptTemps, 1);
    assert.equal(existsSync(dead), false);
    for (const p of [mine, live, other, t.path]) assert.equal(existsSync(p), true, p);
    assert.equal(sweepStaleTemps(join(dir, 'missing')), 0);
  });
});
