// One MIME entity's header fields and what its body is (RFC 2045/2046): the first of duplicated
// Content-* fields wins; the media type, transfer encoding, disposition, filename, boundary and
// charset are resolved once the header block ends. Pure data plus one resolving function.
import type { AnomalySink } from './anomaly-set.js';
import type { HeaderTarget } from './header-block.js';
import { parseStructured } from './structured-header.js';

/** Receives the top-level message's own fields (never those of nested messages). */
export type TopFieldSink = HeaderTarget;

export class EntityHeaders implements HeaderTarget {
  contentType: string | undefined;
  transferEncoding: string | undefined;
  disposition: string | undefined;
  constructor(private readonly top: TopFieldSink | undefined) {}

  wants(name: string): boolean {
    if (name === 'content-type' || name === 'content-transfer-encoding' || name === 'content-disposition') return true;
    return this.top !== undefined && this.top.wants(name);
  }

  fieldName(name: string, written: string): void {
    this.top?.fieldName?.(name, written);
  }

  /** The Content-* fields are kept once each (first wins) and never charged: they decide the structure. */
  repeats(name: string): boolean {
    return this.top !== undefined && this.top.repeats(name);
  }

  field(name: string, value: string): void {
    if (name === 'content-type') this.contentType ??= value;
    else if (name === 'content-transfer-encoding') this.transferEncoding ??= value;
    else if (name === 'content-disposition') this.disposition ??= value;
    if (this.top !== undefined && this.top.wants(name)) this.top.field(name, value);
  }
}

export interface ResolvedEntity {
  /** Lower-case media type; text/plain (message/rfc822 inside multipart/digest) when absent or malformed. */
  type: string;
  /** Lower-case transfer encoding as written; 7bit when absent. */
  encoding: string;
  disposition: string | undefined;
  filename: string | undefined;
  boundary: string | undefined;
  charset: string | undefined;
  /** SPEC §3.1: disposition attachment, a file name, or a non-text, non-multipart type. */
  attachment: boolean;
}

/** Longest filename kept without flagging (common filesystem limit). */
export const FILENAME_MAX_BYTES = 255;

export function resolveEntity(h: EntityHeaders, inDigest: boolean, sink: AnomalySink): ResolvedEntity {
  const ct = parseStructured(h.contentType ?? '', sink);
  const slash = ct.value.indexOf('/');
  const valid = slash > 0 && slash < ct.value.length - 1 && !/\s/.test(ct.value);
  const type = valid ? ct.value : inDigest ? 'message/rfc822' : 'text/plain';
  const encoding = (h.transferEncoding ?? '7bit').trim().toLowerCase() || '7bit';
  const cd = h.disposition !== undefined ? parseStructured(h.disposition, sink) : undefined;
  const filename = cd?.params.get('filename') ?? ct.params.get('name');
  if (filename !== undefined && Buffer.byteLength(filename, 'utf8') > FILENAME_MAX_BYTES) sink.add('mime_filename_too_long');
  const disposition = cd !== undefined && cd.value !== '' ? cd.value : undefined;
  const multipart = type.startsWith('multipart/');
  const attachment =
    disposition === 'attachment' || filename !== undefined || (!type.startsWith('text/') && !multipart);
  return {
    type,
    encoding,
    disposition,
    filename,
    boundary: multipart ? ct.params.get('boundary') : undefined,
    charset: ct.params.get('charset'),
    attachment,
  };
}
