import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowDump, prepareDumpDir } from '../../../src/cli/stream-dump.js';

test('each direction is written in order; gaps are listed, not filled', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'mailtap-dump-')), 'sub');
  prepareDumpDir(dir);
  const d = new FlowDump(dir, 'Cabc');
  const borrowed = Buffer.from('HELO x\r\n');
  d.onData('c2s', borrowed);
  borrowed.fill(0); // stream events lend their bytes: the dump must have copied them
  d.onData('s2c', Buffer.from('220 hi\r\n'));
  d.onGap('c2s', 100);
  d.onData('c2s', Buffer.from('QUIT\r\n'));
  d.close();
  assert.equal(readFileSync(join(dir, 'Cabc.c2s'), 'latin1'), 'HELO x\r\nQUIT\r\n');
  assert.equal(readFileSync(join(dir, 'Cabc.s2c'), 'latin1'), '220 hi\r\n');
  assert.equal(readFileSync(join(dir, 'Cabc.gaps'), 'latin1'), 'c2s 8 100\n');
});

test('large streams are flushed in pieces and stay byte-exact; no gaps file without gaps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-dump-'));
  const d = new FlowDump(dir, 'Cbig');
  const expected: Buffer[] = [];
  for (let i = 0; i < 300; i++) {
    const chunk = Buffer.alloc(1460 - (i % 7), i & 0xff);
    expected.push(chunk);
    d.onData('s2c', chunk);
  }
  d.close();
  assert.deepEqual(readFileSync(join(dir, 'Cbig.s2c')), Buffer.concat(expected));
  assert.equal(readFileSync(join(dir, 'Cbig.c2s')).length, 0);
  assert.equal(existsSync(join(dir, 'Cbig.gaps')), false);
});

test('a rerun into the same directory replaces old files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-dump-'));
  const a = new FlowDump(dir, 'C1');
  a.onData('c2s', Buffer.from('old old old'));
  a.close();
  const b = new FlowDump(dir, 'C1');
  b.onData('c2s', Buffer.from('new'));
  b.close();
  assert.equal(readFileSync(join(dir, 'C1.c2s'), 'latin1'), 'new');
});
