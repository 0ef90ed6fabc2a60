// `mailtap read` with MAILTAP_EXTRACT_ENABLED=true on the seed message.pcap (SPEC §6 `extract`):
// the real CLI, worker threads and events writer. readme.txt lands under its SHA-256 with its
// sidecar, the event says where, and every line still validates against the events schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

type Obj = Record<string, unknown>;

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile(schema: object): ValidateFunction } }).default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object);

const README_SHA = 'bb5b9dfffcd016cd95ff1804367c73bc61444372cabcb580a4b2ea2054c514cf';

test('mailtap read extracts readme.txt from the seed message.pcap', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-extract-cli-'));
  try {
    const r = await runCli(['read', '--workers', '2', fixture('seed', 'message.pcap')], {
      env: { MAILTAP_EXTRACT_ENABLED: 'true', MAILTAP_EXTRACT_DIRECTORY: dir },
    });
    assert.equal(r.code, 0, r.stderr);
    const events = ndjson(r.stdout);
    for (const e of events) assert.ok(validate(e), `${JSON.stringify(validate.errors)} in ${JSON.stringify(e)}`);
    const t = events.find((e) => e.event === 'smtp_transaction')!;
    const att = ((t.message as Obj).attachments as Obj[])[0]!;
    const path = join(dir, 'bb', README_SHA);
    assert.equal(att.extracted, path, 'the event names the file (src/cli/pipeline.ts workerConfigOf must pass `extract`)');
    assert.equal(readFileSync(path, 'utf8'), 'abcdedf');
    const side = JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Obj;
    assert.equal(side.uid, t.uid);
    assert.equal(side.community_id, t.community_id);
    assert.equal(side.filename, 'readme.txt');
    assert.equal(side.subject, 'attach');
    assert.equal(side.mail_from, 'gaoxl@legendsec.com');
    assert.deepEqual(side.rcpt_to, t.rcpt_to);
    assert.equal((t.message as Obj).extracted, undefined, 'extract.messages is off by default');
    assert.deepEqual(readdirSync(join(dir, '.tmp')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
