// The contract between the offline file loop (file-source.ts) and the format parsers
// (pcap-format.ts, pcapng-format.ts): a parser turns the bytes at buf[off, end) into one record
// at a time, filling the ONE shared RawFrame. It owns only per-file format state (byte order,
// interfaces); the loop owns the buffer, the file offsets and the I/O.
import type { RawFrame } from './types.js';

/** next() result: the record is not complete in buf[off, end); read more (see `needed`). */
export const NEED_MORE = 0;
/** next() result: the bytes are not a valid record; `error` says why. */
export const CORRUPT = -1;

/**
 * Largest captured length accepted in one record: libpcap's MAXIMUM_SNAPLEN (262144). A larger
 * caplen is a corrupt or hostile file, not a packet (it would make us allocate huge buffers).
 */
export const DEFAULT_MAX_CAPLEN = 262144;

/**
 * Largest pcapng block of any kind. Packet blocks are bounded by the caplen limit; other blocks
 * (name resolution, decryption secrets, custom) may legitimately be larger, but not unboundedly.
 */
export const DEFAULT_MAX_BLOCK_BYTES = 16 * 1024 * 1024;

export interface RecordReader {
  /**
   * Parse the record starting at buf[off, end). Returns the bytes consumed (> 0), NEED_MORE or
   * CORRUPT. When it returns > 0, `frameReady` says whether `frame` now holds a packet (headers
   * and skipped blocks consume bytes without producing a frame).
   */
  next(buf: Buffer, off: number, end: number, frame: RawFrame): number;
  /** After next(): a packet was written into the frame. */
  frameReady: boolean;
  /** After NEED_MORE: total bytes of the record when known (to grow the buffer), else 0. */
  needed: number;
  /** After CORRUPT: why. */
  error: string;
  /** True until the file header (pcap global header / first SHB) has been parsed. */
  readonly inHeader: boolean;
}
