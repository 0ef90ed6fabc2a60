// Shared helpers of the MIME tests: default limits, a parser run over whole bytes or chunks.
import { defaultConfig } from '../../../src/config/schema.js';
import type { LimitsConfig } from '../../../src/config/types.js';
import { makeMessageParserFactory, type HashName } from '../../../src/mime/index.js';
import type { MessageResult } from '../../../src/mime/types.js';

export const DEFAULT_LIMITS: LimitsConfig = defaultConfig().limits;
export const ALL_HASHES: readonly HashName[] = ['md5', 'sha1', 'sha256'];

export function limits(over: Partial<LimitsConfig> = {}): LimitsConfig {
  return { ...DEFAULT_LIMITS, ...over };
}

/** CRLF-terminated message bytes from lines written with \n. */
export function crlf(text: string): Buffer {
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8');
}

export interface RunOptions {
  limits?: Partial<LimitsConfig>;
  hashes?: readonly HashName[];
  mailFrom?: string;
  srcIp?: string;
  dstIp?: string;
  /** output.headers */
  headers?: readonly string[];
  /** Split points (ascending offsets); default: one write. */
  splits?: readonly number[];
}

export function parse(bytes: Buffer, o: RunOptions = {}): MessageResult {
  const factory = makeMessageParserFactory({ limits: limits(o.limits), hashes: o.hashes ?? ALL_HASHES, headers: o.headers ?? [] });
  const p = factory(o.dstIp === undefined ? { mailFrom: o.mailFrom, srcIp: o.srcIp ?? '192.0.2.1' } : { mailFrom: o.mailFrom, srcIp: o.srcIp ?? '192.0.2.1', dstIp: o.dstIp });
  let last = 0;
  for (const s of o.splits ?? []) {
    p.write(bytes.subarray(last, s));
    last = s;
  }
  p.write(bytes.subarray(last));
  return p.end();
}

/** Feeds `bytes` in chunks of `size`, each chunk a fresh copy that is scribbled over afterwards (BORROWED). */
export function parseChunked(bytes: Buffer, size: number, o: RunOptions = {}): MessageResult {
  const factory = makeMessageParserFactory({ limits: limits(o.limits), hashes: o.hashes ?? ALL_HASHES, headers: o.headers ?? [] });
  const p = factory({ mailFrom: o.mailFrom, srcIp: o.srcIp ?? '192.0.2.1' });
  const scratch = Buffer.allocUnsafe(size);
  for (let i = 0; i < bytes.length; i += size) {
    const n = bytes.copy(scratch, 0, i, Math.min(bytes.length, i + size));
    p.write(scratch.subarray(0, n));
    scratch.fill(0x41);
  }
  return p.end();
}
