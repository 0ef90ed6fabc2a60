// `mailtap read` on a capture held in memory, through the hostile-input entry point (which also
// writes the final metrics, since `read` serves no endpoint): events (schema-checked, `time`
// removed) and the metrics text parsed to `name{labels}` → value.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { fixture } from './paths.js';
import { TEST_UID_SEED, ndjson } from './run-cli.js';

type Obj = Record<string, unknown>;

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile(schema: object): ValidateFunction } }).default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object);

const ENTRY = fileURLToPath(new URL(`./hostile-read-entry${fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** `mailtap read` through the hostile-input entry, which also writes the final metrics. */
export async function readWithMetrics(pcap: Buffer, name = 'in.pcap'): Promise<{ events: Obj[]; metrics: Map<string, number>; log: Obj[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-read-'));
  try {
    const file = join(dir, name);
    const metricsFile = join(dir, 'metrics.txt');
    writeFileSync(file, pcap);
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
    const r = spawnSync(process.execPath, [...execArgv, ENTRY, 'read', '--workers', '1', file], {
      // The tests' uid seed, as runCli sets it: events are compared with those of another run.
      env: { ...process.env, MAILTAP_OUTPUT_UID_SEED: TEST_UID_SEED, HOSTILE_METRICS_FILE: metricsFile },
      encoding: 'buffer',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr.toString());
    const metrics = new Map<string, number>();
    for (const line of readFileSync(metricsFile, 'utf8').split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const sp = line.lastIndexOf(' ');
      metrics.set(line.slice(0, sp), Number(line.slice(sp + 1)));
    }
    const events = ndjson(r.stdout);
    for (const e of events) {
      assert.ok(validate(e), `${JSON.stringify(validate.errors)} in ${JSON.stringify(e)}`);
      delete e.time;
    }
    // The operational log (NDJSON on stderr: stderr is no terminal here).
    const log = r.stderr.toString('utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Obj);
    return { events, metrics, log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
