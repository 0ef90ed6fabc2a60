// systemd/mailtap@.service (issue 14, scale-out across processes): the template differs from
// systemd/mailtap.service only where one process of a group must differ (its events file and its
// metrics port), and its environment loads as the intended instance. systemd-analyze verifies it
// in test/integration/ops-systemd.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const UNIT = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap.service'), 'utf8');
const TEMPLATE = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap@.service'), 'utf8');
/** Directives a fanout instance sets on its own. */
const PER_INSTANCE = new Set(['Description', 'ExecStart', 'Environment']);

/** `[Section] Key=value` lines without comments and blank lines. */
function directives(text: string): string[] {
  let section = '';
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) section = line;
    else out.push(`${section} ${line}`);
  }
  return out;
}

const keyOf = (d: string): string => d.slice(d.indexOf(' ') + 1, d.indexOf('='));

test('mailtap@.service is mailtap.service line for line, but for the events file, the metrics port and the description', () => {
  const shared = (text: string): string[] => directives(text).filter((d) => !PER_INSTANCE.has(keyOf(d)));
  assert.deepEqual(shared(TEMPLATE), shared(UNIT), 'a hardening or restart line changed in one unit and not the other');
  const own = directives(TEMPLATE).filter((d) => PER_INSTANCE.has(keyOf(d)));
  assert.deepEqual(own.map(keyOf), ['Description', 'ExecStart', 'Environment']);
  assert.match(own[1]!, /--config \/etc\/mailtap\/mailtap\.yaml --events \/var\/log\/mailtap\/events-%i\.ndjson$/);
});

test('the template\'s environment gives instance i the metrics port 947i', () => {
  const line = /^Environment=(.*)$/m.exec(TEMPLATE);
  assert.ok(line !== null);
  for (const i of ['0', '3']) {
    const env: Record<string, string> = {};
    for (const kv of line[1]!.split(/\s+/)) {
      const eq = kv.indexOf('=');
      if (kv.slice(0, eq).startsWith('MAILTAP_')) env[kv.slice(0, eq)] = kv.slice(eq + 1).replaceAll('%i', i);
    }
    assert.equal(loadConfig({ env }).metrics.listen, `127.0.0.1:947${i}`);
  }
});
