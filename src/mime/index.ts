// The MIME engine's entry point (SPEC §3.1 `message`): a factory of streaming message parsers,
// one per SMTP message. Hash fields absent from `hashes` (output.hashes) are omitted from records.
import { MimeMessageParser } from './mime-parser.js';
import type { MimeOptions } from './options.js';
import type { MessageParserFactory } from './types.js';

export type { HashName, MimeOptions } from './options.js';

export function makeMessageParserFactory(opts: MimeOptions): MessageParserFactory {
  const frozen: MimeOptions = { limits: opts.limits, hashes: [...new Set(opts.hashes)] };
  // Field names are case-insensitive (RFC 5322 §1.2.2): the header walker compares lower case.
  if (opts.headers !== undefined) frozen.headers = [...new Set(opts.headers.map((h) => h.toLowerCase()))];
  if (opts.bodyTap !== undefined) frozen.bodyTap = opts.bodyTap;
  return (ctx) => new MimeMessageParser(frozen, ctx);
}
