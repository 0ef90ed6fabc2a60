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

/** A unit-name filter keeps the service and its template instances, nothing else. */
function assertKeepsMailtapUnits(re: RegExp): void {
  for (const u of ['mailtap.service', 'mailtap@0.service', 'mailtap@15.service']) assert.ok(re.test(u), `${re} keeps ${u}`);
  for (const u of ['postfix.service', 'mailtapx.service', 'mailtap@.service', 'mailtap@1.service.bak']) assert.ok(!re.test(u), `${re} drops ${u}`);
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
  // The journal source reads every unit; a filter keeps mailtap.service and its mailtap@N instances.
  assert.equal(obj(sources.mailtap_oplog, 'oplog').include_units, undefined);
  const units = obj(transforms.mailtap_oplog_units, 'mailtap_oplog_units');
  assert.deepEqual(units.inputs, ['mailtap_oplog']);
  assert.deepEqual(obj(transforms.mailtap_oplog_parsed, 'mailtap_oplog_parsed').inputs, ['mailtap_oplog_units']);
  const re = /r'(.*)'\)$/.exec(String(units.condition).replaceAll("''", "'"));
  assert.ok(re !== null, String(units.condition));
  assertKeepsMailtapUnits(new RegExp(re[1]!));
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

test('promtail: the journal job keeps mailtap.service and its mailtap@N instances', () => {
  const jobs = promtail.scrape_configs as Obj[];
  const oplog = jobs.find((j) => j.job_name === 'mailtap-oplog');
  assert.ok(oplog !== undefined);
  const keep = (oplog.relabel_configs as Obj[]).find((r) => r.action === 'keep');
  assert.ok(keep !== undefined);
  assert.deepEqual(keep.source_labels, ['__journal__systemd_unit']);
  // Prometheus-style relabel regexes are anchored at both ends.
  assertKeepsMailtapUnits(new RegExp(`^(?:${String(keep.regex)})$`));
});

test('alloy (Promtail\'s successor): same files, same journal units, every component wired', () => {
  const text = readFileSync(join(REPO_ROOT, 'config', 'mailtap.alloy'), 'utf8');
  const code = text.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n');
  const defined = new Set([...code.matchAll(/^([a-z_.]+) "(\w+)" \{/gm)].map((m) => `${m[1]}.${m[2]}`));
  for (const c of ['local.file_match.mailtap_events', 'loki.source.file.mailtap_events', 'loki.process.mailtap_events', 'loki.source.journal.mailtap_oplog', 'loki.relabel.mailtap_journal', 'loki.process.mailtap_oplog', 'loki.write.default']) {
    assert.ok(defined.has(c), `${c} is defined`);
  }
  // Every reference to another component's export names one defined here.
  for (const m of code.matchAll(/\b((?:loki|local)\.[a-z_.]+?)\.(\w+)\.(receiver|targets|rules)\b/g)) {
    assert.ok(defined.has(`${m[1]}.${m[2]}`), `${m[0]} refers to a defined component`);
  }
  const glob = /"__path__" = "([^"]+)"/.exec(code);
  assert.ok(glob !== null);
  assertTails(glob[1]!);
  const regex = /regex\s+= "([^"]+)"/.exec(code);
  assert.ok(regex !== null);
  assertKeepsMailtapUnits(new RegExp(`^(?:${regex[1]!.replaceAll('\\\\', '\\')})$`));
  const expr = /expressions = \{([^}]*)\}/.exec(code);
  for (const f of [...expr![1]!.matchAll(/= "(\w+)"/g)].map((m) => m[1]!)) assert.ok(schemaHasField(f), `${f} is an event field`);
  assert.match(code, /stage\.timestamp \{\s*source = "ts"\s*format = "RFC3339Nano"/);
  assert.match(code, /values = \{event = "", status = ""\}/, 'low-cardinality labels only');
});

