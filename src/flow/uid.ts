// Connection uids (SPEC §3): "C", a per-process prefix, then the flow's number in base 36. The
// prefix is random (crypto) so uids never repeat across processes, restarts or sensors: a SIEM that
// joins events on uid must not merge two connections because two runs both numbered them 1, 2, 3
// (issue 14). Zeek's uids are random for the same reason. Only when `output.uid_seed` is set is the
// prefix derived from the seed, so that tests and golden files get the same uids on every run.
import { createHash, randomBytes } from 'node:crypto';

/** Characters of the prefix: 10 base-62 digits, ~59.5 bits (a collision among a million process
 *  starts has a probability near 4e-7). Fixed length, so the flow number can be read back. */
export const UID_PREFIX_LENGTH = 10;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < UID_PREFIX_LENGTH; i++) out += BASE62[(bytes[i] ?? 0) % 62];
  return out;
}

/** The uid prefix of this process: random, or derived from `seed` when it is not empty. */
export function uidPrefix(seed: string): string {
  const bytes = seed === '' ? randomBytes(UID_PREFIX_LENGTH) : createHash('sha256').update(`mailtap-uid:${seed}`).digest();
  return base62(bytes);
}

/** The flow number inside a uid made with a prefix of UID_PREFIX_LENGTH (tests: worker routing). */
export function flowIdOfUid(uid: string): number {
  return parseInt(uid.slice(1 + UID_PREFIX_LENGTH), 36);
}
