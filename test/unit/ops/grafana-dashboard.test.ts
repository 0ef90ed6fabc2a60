import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/paths.js';

// config/grafana/mailtap.json is imported by hand or provisioned from a file: it must work with
// any Prometheus data source (a variable, no hard-coded uid) and lay out without overlaps.

interface Target { expr?: string; datasource?: { uid?: string } }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets?: Target[]; datasource?: { uid?: string } }
interface Dashboard { uid: string; title: string; schemaVersion: number; panels: Panel[]; templating: { list: { name: string; type: string; query: unknown }[] } }

const dash = JSON.parse(readFileSync(join(REPO_ROOT, 'config/grafana/mailtap.json'), 'utf8')) as Dashboard;

test('a stable uid, a title and a Prometheus data-source variable', () => {
  assert.equal(dash.uid, 'mailtap-overview');
  assert.equal(dash.title, 'mailtap');
  assert.ok(dash.schemaVersion >= 36);
  const ds = dash.templating.list.find((v) => v.type === 'datasource');
  assert.ok(ds !== undefined && ds.query === 'prometheus');
  assert.ok(dash.templating.list.some((v) => v.name === 'instance'));
});

test('every query panel reads the data-source variable and filters on $instance', () => {
  for (const p of dash.panels) {
    if (p.type === 'row') continue;
    assert.equal(p.datasource?.uid, '${datasource}', p.title);
    assert.ok((p.targets ?? []).length > 0, p.title);
    for (const t of p.targets ?? []) {
      assert.equal(t.datasource?.uid, '${datasource}', p.title);
      assert.match(t.expr ?? '', /instance=~"\$instance"/, p.title);
    }
  }
});

test('panel ids are unique and the grid has no overlaps', () => {
  const ids = dash.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length);
  const cells = new Set<string>();
  for (const p of dash.panels) {
    const g = p.gridPos;
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${p.title} fits 24 columns`);
    for (let x = g.x; x < g.x + g.w; x++) {
      for (let y = g.y; y < g.y + g.h; y++) {
        const k = `${x},${y}`;
        assert.ok(!cells.has(k), `${p.title} overlaps at ${k}`);
        cells.add(k);
      }
    }
  }
});
