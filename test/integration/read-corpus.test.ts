// `mailtap read` over the whole capture corpus: it never fails, every line validates against the
// events schema, and 1 or 4 worker threads give the same events with each connection's
// transactions in order (STYLE §3.9: the same records whether a flow goes to worker 0 or 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { fixture } from '../helpers/paths.js';
import { ndjson, runCli } from '../helpers/run-cli.js';

type Obj = Record<string, unknown>;

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile(schema: object): ValidateFunction } }).default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object);

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.pcap(ng)?$/.test(name)) out.push(p);
  }
  return out;
}

const runs = new Map<number, Promise<Obj[]>>();

/** One run per worker count, shared by the tests below. */
function read(workers: number): Promise<Obj[]> {
  let p = runs.get(workers);
  if (p === undefined) {
    p = runCli(['read', '--workers', String(workers), ...captures(fixture('corpus'))]).then((r) => {
      assert.equal(r.code, 0, r.stderr);
      return ndjson(r.stdout);
    });
    runs.set(workers, p);
  }
  return p;
}

function withoutTime(e: Obj): string {
  const { time: _time, ...rest } = e;
  return JSON.stringify(rest);
}

// Exim's PIPE_CONNECT keyword (two corpus captures) is outside the RFC 5321 keyword grammar the
// schema enforces: the SMTP stage reports it as PIPE-CONNECT (normaliseEhloKeyword).
test('every event written for the corpus validates against the events schema', async () => {
  assert.ok(captures(fixture('corpus')).length > 50);
  const bad: string[] = [];
  for (const e of await read(4)) if (!validate(e)) bad.push(`${JSON.stringify(validate.errors)} in ${JSON.stringify(e).slice(0, 300)}`);
  assert.deepEqual(bad, []);
});

test('the corpus gives the same events with 1 and 4 workers, in order per connection', async () => {
  const one = await read(1);
  const four = await read(4);
  const sessions = one.filter((e) => e.event === 'smtp_session');
  assert.ok(sessions.length > 50, `sessions: ${sessions.length}`);
  assert.deepEqual(one.map(withoutTime).sort(), four.map(withoutTime).sort());
  let multi = 0;
  for (const run of [one, four]) {
    const byUid = new Map<string, Obj[]>();
    for (const e of run) {
      const list = byUid.get(String(e.uid)) ?? [];
      list.push(e);
      byUid.set(String(e.uid), list);
    }
    for (const [uid, list] of byUid) {
      const depths = list.filter((e) => e.event === 'smtp_transaction').map((e) => e.trans_depth as number);
      if (depths.length > 1) multi++;
      assert.deepEqual(depths, depths.map((_d, i) => i + 1), `${uid}: transactions 1..n in order`);
      const s = list.filter((e) => e.event === 'smtp_session');
      assert.equal(s.length, 1, `${uid}: one smtp_session`);
      assert.equal(list.at(-1)?.event, 'smtp_session', `${uid}: the session comes last`);
    }
  }
  assert.ok(multi > 0, 'some connection carries several transactions');
});
