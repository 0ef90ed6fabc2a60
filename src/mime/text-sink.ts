// Text bodies after transfer decoding: charset decoding (streaming), the SHA-256 of the UTF-8 text
// (text_sha256) and URL extraction (url-scan.ts) into the message-wide, capped URL set. Owns a
// charset decoder, a hasher and a bounded carry of an unfinished URL across writes.
import { createHash, type Hash } from 'node:crypto';
import { hashOnce } from '../shared/hash-once.js';
import type { AnomalySink } from './anomaly-set.js';
import type { TextDecoderLike } from './charset.js';
import { scanUrls } from './url-scan.js';

/** A URL longer than this is cut where the carry ends (keeps the carry bounded), and URLs are
 * kept to this length, so the URL set costs at most urls_per_message × 2 KiB characters. */
export const URL_CARRY_CHARS = 2048;

const DELIMS = new Set([' ', '\t', '\r', '\n', '"', "'", '<', '>']);
/** In HTML the carry is cut only outside attribute values, so `href="//host/…"` stays whole. */
const HTML_DELIMS = new Set([' ', '\t', '\r', '\n', '<', '>']);

/** The distinct URLs of one message, capped by limits.urls_per_message. */
export class UrlSet {
  /** Made on the first URL: most messages have none (one Set per message for nothing). */
  private urls: Set<string> | null = null;
  constructor(private readonly max: number, private readonly sink: AnomalySink) {}
  add(url: string): void {
    const urls = (this.urls ??= new Set());
    if (urls.has(url)) return;
    if (urls.size >= this.max) {
      this.sink.add('mime_urls_exceeded');
      return;
    }
    urls.add(url);
  }
  /** The URLs in the order first seen. */
  list(): string[] {
    return this.urls === null ? [] : [...this.urls];
  }
}

export class TextSink {
  /** Made on the second write: most text bodies arrive in one block (body-digest.ts batches
   * 32 KiB) and are hashed in one shot at finish, from `first`. */
  private hash: Hash | undefined;
  private first = '';
  private carry = '';

  constructor(
    private readonly decoder: TextDecoderLike,
    private readonly wantSha: boolean,
    private readonly urls: UrlSet | undefined,
    private readonly html: boolean,
  ) {}

  write(buf: Buffer): void {
    const text = this.decoder.write(buf);
    if (text === '') return;
    // SPEC §3.1: the hash of the text as UTF-8, which is the write itself when it was valid UTF-8.
    if (this.wantSha) {
      if (this.hash === undefined && this.first === '') this.first = text;
      else {
        if (this.hash === undefined) {
          this.hash = createHash('sha256').update(this.first, 'utf8');
          this.first = '';
        }
        if (this.decoder.verbatim === true) this.hash.update(buf);
        else this.hash.update(text, 'utf8');
      }
    }
    this.take(text);
  }

  /** Ends the text; returns the hex SHA-256 when it was asked for. */
  finish(): string | undefined {
    const rest = this.decoder.end();
    this.take(rest);
    if (this.urls !== undefined && this.carry !== '') this.scan(this.carry);
    this.carry = '';
    if (!this.wantSha) return undefined;
    if (this.hash !== undefined) return this.hash.update(rest, 'utf8').digest('hex');
    const all = this.first + rest;
    this.first = '';
    return hashOnce('sha256', all, 'hex');
  }

  private take(text: string): void {
    if (text === '' || this.urls === undefined) return;
    const all = this.carry === '' ? text : this.carry + text;
    // Carry what follows the last delimiter (a URL may go on in the next write), at most
    // URL_CARRY_CHARS: the backwards search is bounded, so text without spaces stays linear.
    const delims = this.html ? HTML_DELIMS : DELIMS;
    const floor = Math.max(0, all.length - URL_CARRY_CHARS);
    let cut = all.length;
    while (cut > floor && !delims.has(all[cut - 1]!)) cut--;
    if (cut === floor && floor > 0 && !delims.has(all[cut - 1]!)) cut = all.length;
    this.scan(cut === all.length ? all : all.slice(0, cut));
    this.carry = all.slice(cut);
  }

  private scan(text: string): void {
    const urls = this.urls!;
    scanUrls(text, this.html, URL_CARRY_CHARS, (u) => urls.add(u));
  }
}
