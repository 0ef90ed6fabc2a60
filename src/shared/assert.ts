// Programmer-error helpers. Never used for traffic: bad bytes are anomalies, not exceptions.
import { InvariantError } from './errors.js';

export function assertNever(x: never, what = 'value'): never {
  throw new InvariantError(`unexpected ${what}: ${JSON.stringify(x)}`);
}

export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new InvariantError(message);
}
