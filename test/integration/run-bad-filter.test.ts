// `mailtap run` with a capture filter libpcap refuses (issue 14 item 6): a configuration error
// (exit 1, which systemd/mailtap.service does not retry: RestartPreventExitStatus=1), naming
// capture.filter, not a capture error (exit 2, retried). Needs root (the interface is opened before
// the filter is compiled for its link type) and the built addon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireRootAndTools } from '../helpers/netns.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

test('mailtap run with a filter libpcap does not compile: exit 1, naming capture.filter', { timeout: 60_000 }, async () => {
  requireRootAndTools([]);
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-bad-filter-'));
  try {
    const r = await runCli(['run', '--interface', 'lo', '--filter', 'tcp portt 25', '--events', join(dir, 'events.ndjson'), '--workers', '1']);
    assert.equal(r.code, 1, r.stderr);
    const err = ndjson(r.stderr).find((l) => l['level'] === 'error');
    assert.ok(err !== undefined, r.stderr);
    assert.match(String((err['problems'] as string[])[0]), /^capture\.filter: .*syntax error.*\(filter "tcp portt 25"\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
