// mime's own boundary types. The interface mime implements (MessageParser and the SPEC §3.1
// `message` record it returns) belongs to its consumer, smtp (smtp/message-parser.ts), and is
// re-exported here for mime's modules. The parser streams bodies into hashers; it never holds a
// whole message or attachment.
export type {
  AddressRecord,
  AttachmentRecord,
  AuthResultRecord,
  AuthResultsRecord,
  DkimRecord,
  MessageContext,
  MessageParser,
  MessageParserFactory,
  MessageRecord,
  MessageResult,
  ReceivedHopRecord,
} from '../smtp/message-parser.js';

/** What a body tap is told about the attachment it observes. */
export interface BodyTapInfo {
  content_type: string;
  /** Decoded filename as sent: data only, never a path. */
  filename?: string;
}

/**
 * Observes one attachment's decoded bytes (extraction). The MIME engine does no I/O: it only calls
 * these methods; whoever made the tap owns what happens to the bytes.
 */
export interface BodyTap {
  /** Decoded bytes in order (BORROWED: copy or write them now). */
  write(decoded: Buffer): void;
  /** `len` bytes of the part were never captured. */
  gap(len: number): void;
  /** The part ended; `sha256` is the digest's when output.hashes computes it. Returns the stored path, if any. */
  end(sha256: string | undefined): string | undefined;
}

/** Called once per attachment part; undefined means the part is not observed. */
export type BodyTapFactory = (info: BodyTapInfo) => BodyTap | undefined;
