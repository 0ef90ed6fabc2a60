// The README's anomaly table and src/shared/anomalies.ts are the same list (SPEC §5: the list
// lives in the code in one file and in the README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANOMALIES } from '../../../src/shared/anomalies.js';
import { REPO_ROOT } from '../../helpers/paths.js';

const SPEC_MINIMUM = [
  'flow_gap', 'flow_midstream', 'flow_overlap_mismatch', 'flow_memcap', 'smtp_line_too_long',
  'smtp_unmatched_reply', 'smtp_excessive_pending_cmds', 'smtp_data_without_rcpt', 'smtp_nested_mail',
  'smtp_bare_lf', 'smtp_unknown_command', 'smtp_bdat_missing_last', 'smtp_auth_malformed', 'smtp_not_smtp',
  'mime_boundary_missing', 'mime_depth_exceeded', 'mime_parts_exceeded', 'mime_header_too_long',
  'mime_invalid_base64', 'mime_invalid_qp', 'mime_unknown_charset', 'mime_bad_encoded_word',
  'mime_attachment_type_mismatch',
];

function readmeTable(): Map<string, string> {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const rows = new Map<string, string>();
  for (const m of readme.matchAll(/^\| `((?:flow|smtp|mime|ip|capture)_[a-z0-9_]+)` \| (yes|no) \|/gm)) rows.set(m[1]!, m[2]!);
  return rows;
}

test('every anomaly in the code is in the README table, with its event flag, and nothing else', () => {
  const rows = readmeTable();
  for (const [name, info] of Object.entries(ANOMALIES)) {
    assert.equal(rows.get(name), info.event ? 'yes' : 'no', `README row for ${name}`);
  }
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ANOMALIES).sort());
});

test('the code has at least the anomalies SPEC §5 names', () => {
  for (const name of SPEC_MINIMUM) assert.ok(name in ANOMALIES, name);
});
