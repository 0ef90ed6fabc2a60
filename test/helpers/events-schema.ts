// The events schema (test/fixtures/schema/events.schema.json, a copy of the contract's) as one
// assertion, for tests that check a few events rather than a whole corpus.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { fixture } from './paths.js';

const require = createRequire(import.meta.url);
const Ajv2020 = (require('ajv/dist/2020.js') as { default: new (opts: object) => { compile(schema: object): ValidateFunction } }).default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(fixture('schema', 'events.schema.json'), 'utf8')) as object);

export function assertValidEvent(e: unknown, what: string): void {
  assert.ok(validate(e), `${what}: ${JSON.stringify(validate.errors)}`);
}
