import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, fixture } from '../../helpers/paths.js';

// Neither Vector nor Promtail is packaged for Debian or npm, so their configs are held here to the
// facts they depend on: they tail the file the service writes (and not its rotated copies), their
// pipelines are wired, and every event field they read exists in the events schema.

type Obj = Record<string, unknown>;
const obj = (v: unknown, what: string): Obj => {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${what} is a mapping`);
  return v as Obj;
};

const vector = obj(parse(readFileSync(join(REPO_ROOT, 'config', 'vector.yaml'), 'utf8')), 'vector.yaml');
const promtail = obj(parse(readFileSync(join(REPO_ROOT, 'config', 'promtail.yaml'), 'utf8')), 'promtail.yaml');
const schema = JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as { properties: Obj; allOf: { then: { properties: Obj } }[] };

/** The events path in systemd/mailtap.service's ExecStart. */
function serviceEventsPath(): string {
  const unit = readFileSync(join(REPO_ROOT, 'systemd', 'mailtap.service'), 'utf8');
  const m = /^ExecStart=.* --events (\S+)/m.exec(unit);
  assert.ok(m !== null);
  return m[1]!;
}

function globMatches(glob: string, path: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return re.test(path);
}

function schemaHasField(name: string): boolean {
  return name in schema.properties || schema.allOf.some((a) => name in (a.then.properties ?? {}));
}

function assertTails(glob: string): void {
  const events = serviceEventsPath();
  assert.ok(globMatches(glob, events), `${glob} matches ${events}`);
  assert.ok(globMatches(glob, events.replace('events.ndjson', 'events-3.ndjson')), 'per-shard files');
  // logrotate's dateext names (config/logrotate/mailtap) must not be read twice as new files.
  assert.ok(!globMatches(glob, `${events}-20261126-1764150000`), 'rotated copies are not matched');
  assert.ok(!globMatches(glob, `${events}-20261126-1764150000.gz`));
}

test('vector: tails the service events file, wires every input, labels Loki with known fields only', () => {
  const sources = obj(vector.sources, 'sources');
  const transforms = obj(vector.transforms, 'transforms');
  const sinks = obj(vector.sinks, 'sinks');
  const file = obj(sources.mailtap_events, 'mailtap_events');
  assert.equal(file.type, 'file');
  for (const g of file.include as string[]) assertTails(g);
  assert.deepEqual(obj(sources.mailtap_oplog, 'oplog').include_units, ['mailtap.service']);
  const known = new Set([...Object.keys(sources), ...Object.keys(transforms)]);
  for (const [name, node] of [...Object.entries(transforms), ...Object.entries(sinks)]) {
    const inputs = obj(node, name).inputs as string[];
    assert.ok(inputs.length > 0, `${name} has inputs`);
    for (const i of inputs) assert.ok(known.has(i), `${name} reads ${i}`);
  }
  const loki = obj(sinks.loki, 'loki');
  for (const v of Object.values(obj(loki.labels, 'labels'))) {
    for (const m of String(v).matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
      assert.ok(m[1] === 'host' || schemaHasField(m[1]!), `Loki label template ${m[1]} is an event field`);
    }
  }
  const remap = String(obj(transforms.mailtap_events_parsed, 'remap').source);
  assert.match(remap, /parse_timestamp\(string\(\.ts\)/, 'packet time orders events');
  assert.ok(schemaHasField('ts'));
});

test('promtail: tails the service events file, extracts and labels known fields only', () => {
  const jobs = promtail.scrape_configs as Obj[];
  const events = jobs.find((j) => j.job_name === 'mailtap-events');
  assert.ok(events !== undefined);
  const sc = (events.static_configs as Obj[])[0]!;
  assertTails(String(obj(sc.labels, 'labels').__path__));
  const stages = events.pipeline_stages as Obj[];
  const json = obj(obj(stages.find((s) => 'json' in s), 'json stage').json, 'json');
  const extracted = obj(json.expressions, 'expressions');
  for (const src of Object.values(extracted)) assert.ok(schemaHasField(String(src)), `${String(src)} is an event field`);
  const ts = obj(obj(stages.find((s) => 'timestamp' in s), 'timestamp stage').timestamp, 'timestamp');
  assert.equal(ts.source, 'ts');
  assert.equal(ts.format, 'RFC3339Nano');
  const labels = Object.keys(obj(obj(stages.find((s) => 'labels' in s), 'labels stage').labels, 'labels'));
  for (const l of labels) assert.ok(l in extracted, `label ${l} is extracted first`);
  for (const forbidden of ['src_ip', 'dst_ip', 'uid', 'community_id', 'mail_from']) assert.ok(!labels.includes(forbidden), `${forbidden} is not a label`);
});
