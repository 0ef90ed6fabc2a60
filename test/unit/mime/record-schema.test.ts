// Every message object the engine builds from the fixtures validates against the event schema's
// `message` definition (test/fixtures/schema/events.schema.json, a copy of SPEC §3's schema).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { fixture } from '../../helpers/paths.js';
import { parse } from './helpers.js';

const SCHEMA = fixture('schema', 'events.schema.json');

test('message objects validate against the events schema', () => {
  const full = JSON.parse(readFileSync(SCHEMA, 'utf8')) as { $defs: Record<string, unknown> };
  const ajv = new Ajv2020({ strict: false });
  const validate = ajv.compile({ $defs: full.$defs, $ref: '#/$defs/message' });
  const files: string[] = [];
  for (const dir of [fixture('mime'), fixture('mime', 'corpus'), fixture('seed')]) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.eml'))) files.push(join(dir, f));
  }
  assert.ok(files.length > 60);
  for (const f of files) {
    const r = parse(readFileSync(f), { mailFrom: 'x@example.com' });
    assert.ok(validate(JSON.parse(JSON.stringify(r.message))), `${f}: ${JSON.stringify(validate.errors)}`);
  }
});
