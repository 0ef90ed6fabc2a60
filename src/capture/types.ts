// capture → decode boundary. A RawFrame is BORROWED: its `data` is valid only during the
// onFrame callback (cap reuses one buffer for every packet; the file reader reuses its read
// buffer). Whoever keeps bytes copies them, once (decode-packet / the reassembler).

/** libpcap LINKTYPE_* values mailtap decodes (https://www.tcpdump.org/linktypes.html). */
export const LinkType = {
  NULL: 0, // BSD loopback: 4-byte host-order address family
  ETHERNET: 1,
  RAW: 101, // raw IPv4/IPv6, version from the first nibble
  LOOP: 108, // OpenBSD loopback: 4-byte network-order address family
  LINUX_SLL: 113, // Linux cooked capture v1 (`-i any` before libpcap 1.10)
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276, // Linux cooked capture v2
} as const;

export interface RawFrame {
  /** Packet time, integer microseconds since the Unix epoch (arrival time for live capture). */
  tsMicros: number;
  /** LINKTYPE_* of the interface the frame came from. */
  linkType: number;
  /** Bytes captured (data.length). */
  caplen: number;
  /** Bytes on the wire; > caplen when the snaplen cut the packet. */
  wirelen: number;
  /** BORROWED view of the captured bytes. */
  data: Buffer;
  /**
   * Optional, BORROWED like `data`: the same bytes as `buf[off, off + caplen)` of a larger buffer.
   * A source that sets them (frame-window.ts) makes `data` only when someone asks for it, so the
   * decoder reads the read buffer in place: one Buffer view less per packet (issue 12 item 6).
   */
  readonly buf?: Buffer;
  readonly off?: number;
  /**
   * The file's time for this packet was outside what mailtap carries and was clamped into
   * [MIN_TS_MICROS, MAX_TS_MICROS] (shared/time.ts); counted as capture_bad_timestamp. Only the
   * pcapng reader can produce such times (classic pcap's 32-bit seconds end in 2106).
   */
  tsClamped?: boolean;
}

export type FrameHandler = (frame: RawFrame) => void;

export interface SourceStats {
  /** Frames delivered to the handler. */
  frames: number;
  /** Captured bytes delivered. */
  bytes: number;
  /**
   * Drops the platform reports, where it exposes them (kernel: the capture socket; interface: the
   * NIC). null where the backend cannot measure it (cap has no pcap_stats; `any` has no NIC
   * counter): /metrics then exports no sample rather than a 0 nobody measured.
   */
  dropsKernel: number | null;
  dropsInterface: number | null;
}

/** Why a source stopped delivering frames. */
export type SourceEnd =
  | { kind: 'eof' }
  | { kind: 'stopped' }
  /** A truncated last record (a warning, not an error): the file ended mid-record. */
  | { kind: 'truncated'; file: string; offset: number };

/**
 * One interface, two implementations: FileSource (pcap/pcapng from a path or stdin) and
 * LiveSource (npm `cap`). `run` delivers frames synchronously to `onFrame` and resolves when
 * the source ends. Between batches of frames it awaits `pace()` when given: offline reading uses
 * it to wait for the workers (never drop); live capture never waits.
 * A corrupt file rejects with CaptureFileError; a live open failure rejects with CaptureError.
 */
export interface PacketSource {
  readonly description: string;
  run(onFrame: FrameHandler, pace?: () => Promise<void> | undefined): Promise<SourceEnd>;
  /** Ask the source to stop; `run` resolves with `stopped` soon after. */
  stop(): void;
  stats(): SourceStats;
}
