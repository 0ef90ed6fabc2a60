// Options of the MIME engine, split out so every module can import them without a cycle, and the
// output.headers set made once per options object.
import type { LimitsConfig } from '../config/types.js';
import type { BodyTapFactory } from './types.js';

export type HashName = 'md5' | 'sha1' | 'sha256';

export interface MimeOptions {
  limits: LimitsConfig;
  /** Hashes computed per attachment; an absent name means its field is omitted from the record. */
  hashes: readonly HashName[];
  /** output.headers: lower-case names of header fields whose raw values the record lists. */
  headers?: readonly string[];
  /** Observer of attachment bodies (extraction); absent: no part is observed. */
  bodyTap?: BodyTapFactory;
}

/** output.headers as a set, made once per options object (the factory's), not once per message. */
const RAW_NAMES = new WeakMap<MimeOptions, ReadonlySet<string>>();
export function rawNamesOf(opts: MimeOptions): ReadonlySet<string> {
  let set = RAW_NAMES.get(opts);
  if (set === undefined) RAW_NAMES.set(opts, (set = new Set(opts.headers)));
  return set;
}
