// The parts of one message that produce output: opens each leaf's BodyDigest (hashes for
// attachments; charset decoding, text_sha256 and URLs for body text), keeps one slot per
// attachment in document order, and turns finished digests into AttachmentRecords (SPEC §3.1).
// Owns the attachment slots, the message-wide URL set and the text_sha256 choice.
import type { HashName } from './options.js';
import type { AnomalySink } from './anomaly-set.js';
import { BodyDigest, type DecodedObserver } from './body-digest.js';
import { makeTextDecoder, resolveCharset } from './charset.js';
import type { ResolvedEntity } from './entity.js';
import { typeMismatch } from './magic.js';
import { TextSink, UrlSet } from './text-sink.js';
import { UuScanner, type UuSink } from './uuencode.js';
import type { AttachmentRecord, BodyTapFactory } from './types.js';

export interface Part {
  res: ResolvedEntity;
  digest: BodyDigest;
  /** Index of its attachment slot, -1 when not an attachment. */
  slot: number;
}

interface AttachmentSlot {
  res: ResolvedEntity;
  record: AttachmentRecord | undefined;
}

function tapInfo(r: ResolvedEntity): { content_type: string; filename?: string } {
  return r.filename === undefined ? { content_type: r.type } : { content_type: r.type, filename: r.filename };
}

export class PartRegistry {
  private readonly slots: AttachmentSlot[] = [];
  private textShaTaken = false;
  /** uuencoded blocks still allowed: they are attachments without being MIME parts, so they get
   * their own budget of limits.mime_parts (a text body of a million blocks is no million records). */
  private uuLeft: number;
  textSha256: string | undefined;
  readonly urls: UrlSet;

  constructor(
    private readonly hashes: readonly HashName[],
    urlsMax: number,
    private readonly sink: AnomalySink,
    private readonly tapFactory?: BodyTapFactory,
    uuMax = 10_000,
  ) {
    this.urls = new UrlSet(urlsMax, sink);
    this.uuLeft = uuMax;
  }

  /** `inner` reads the decoded body too (an encoded message/rfc822 walked as a message). */
  open(res: ResolvedEntity, forceAttachment: boolean, inner?: DecodedObserver): Part {
    const attachment = res.attachment || forceAttachment;
    let text: TextSink | undefined;
    if (!attachment && (res.type === 'text/plain' || res.type === 'text/html')) {
      let cs = resolveCharset(res.charset ?? 'us-ascii');
      if (cs === undefined) {
        // Unknown charset: the text is read byte for byte (latin1) so URLs are still found.
        this.sink.add('mime_unknown_charset');
        cs = { kind: 'iconv', codec: 'latin1' };
      }
      const wantSha = res.type === 'text/plain' && !this.textShaTaken;
      if (wantSha) this.textShaTaken = true;
      text = new TextSink(makeTextDecoder(cs), wantSha, this.urls, res.type === 'text/html');
    }
    const tap = attachment && this.tapFactory !== undefined ? this.tapFactory(tapInfo(res)) : undefined;
    // Text bodies are read for uuencoded files too (issue 15): each block is an attachment of its own.
    if (inner === undefined && !attachment && res.type.startsWith('text/')) inner = new UuScanner((name) => this.openUu(name), this.sink);
    const digest = new BodyDigest(attachment ? this.hashes : [], attachment, text, tap, inner);
    let slot = -1;
    if (attachment) {
      slot = this.slots.length;
      this.slots.push({ res, record: undefined });
    }
    return { res, digest, slot };
  }

  /** An attachment for one uuencoded block of a text body, in document order after that body's earlier ones. */
  private openUu(filename: string): UuSink | undefined {
    if (this.uuLeft <= 0) {
      this.sink.add('mime_parts_exceeded');
      return undefined;
    }
    this.uuLeft--;
    const res: ResolvedEntity = {
      type: 'application/octet-stream',
      encoding: 'x-uuencode',
      disposition: undefined,
      filename,
      boundary: undefined,
      charset: undefined,
      attachment: true,
    };
    const part = this.open(res, true);
    return {
      write: (b) => part.digest.write(b),
      gap: (len) => part.digest.gap(len),
      close: () => this.close(part),
    };
  }

  close(part: Part): void {
    const d = part.digest.finish();
    if (d.textSha256 !== undefined) this.textSha256 = d.textSha256;
    if (part.slot < 0) return;
    const r = part.res;
    const rec: AttachmentRecord = { content_type: r.type, size: d.size };
    if (r.filename !== undefined) rec.filename = r.filename;
    if (r.disposition !== undefined) rec.disposition = r.disposition;
    rec.transfer_encoding = r.encoding;
    if (d.md5 !== undefined) rec.md5 = d.md5;
    if (d.sha1 !== undefined) rec.sha1 = d.sha1;
    if (d.sha256 !== undefined) rec.sha256 = d.sha256;
    if (d.detectedType !== undefined) rec.detected_type = d.detectedType;
    if (d.missingBytes > 0) rec.missing_bytes = d.missingBytes;
    const extracted = part.digest.tap?.end(d.sha256);
    if (extracted !== undefined) rec.extracted = extracted;
    this.slots[part.slot]!.record = rec;
  }

  /** Finished attachments in document order, and whether any disagrees with its magic. */
  attachments(): { records: AttachmentRecord[]; mismatch: boolean } {
    const records: AttachmentRecord[] = [];
    let mismatch = false;
    for (const s of this.slots) {
      if (s.record === undefined) continue;
      records.push(s.record);
      if (typeMismatch(s.res.type, s.res.filename, s.record.detected_type)) mismatch = true;
    }
    return { records, mismatch };
  }
}
