import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { REPO_ROOT } from '../../helpers/paths.js';

// Issue 14 item 9: the guide had drifted from what ships (a filter the shipped config does not
// have, an alert pointing at a section that did not exist). These checks tie the text to the files.

const DOC = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
const HEADINGS = [...DOC.matchAll(/^#{2,4} (?:\d+\. )?(.+)$/gm)].map((m) => m[1]!.trim());

test('every "See docs/operations.md, \\"X\\"" in the alerts names a section of the guide', () => {
  const alerts = readFileSync(join(REPO_ROOT, 'config', 'prometheus', 'alerts.yml'), 'utf8');
  const refs = [...alerts.matchAll(/docs\/operations\.md, \\"([^"\\]+)\\"/g)].map((m) => m[1]!);
  assert.ok(refs.length >= 2, `references found: ${refs.join(', ')}`);
  for (const r of refs) assert.ok(HEADINGS.includes(r), `"${r}" is a heading (${HEADINGS.join(' | ')})`);
});

test('what the guide says about the shipped capture filter is what config/mailtap.yaml has', () => {
  const shipped = loadConfig({ path: join(REPO_ROOT, 'config', 'mailtap.yaml'), env: {} }).capture.filter;
  const m = /The shipped `config\/mailtap\.yaml` leaves `filter: "([^"]*)"`/.exec(DOC);
  assert.ok(m !== null, 'the guide states the shipped filter');
  assert.equal(m[1], shipped);
});

test('the guide explains the capture loss the alerts compute, with the counters they use', () => {
  const i = DOC.indexOf('### Capture loss');
  assert.ok(i > 0);
  const section = DOC.slice(i, DOC.indexOf('\n## ', i));
  assert.match(section, /rate\(mailtap_gap_bytes_total\[10m\]\)\) \/ sum by \(instance\) \(rate\(mailtap_tcp_acked_bytes_total\[10m\]\)\)/);
  assert.match(section, /metrics\.loss_window_s/);
});
