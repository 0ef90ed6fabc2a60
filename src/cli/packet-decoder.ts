// The packet front of `read`, `run` and `flows`: decode (pure) then the defragmenter (stateful),
// so every consumer sees the same segments. RawFrame (borrowed) in; the one reusable
// DecodedSegment out, or the reason there is none. Owns the segment, the Defragmenter and the
// per-result packet counters (mailtap_packets_total: one count per frame read, a fragment counts
// as `fragment`; what its datagram became is in mailtap_ip_reassembly_total).
import type { RawFrame } from '../capture/types.js';
import type { Config } from '../config/types.js';
import type { DecodedSegment, DecodeOutcome, SkipReason } from '../decode/types.js';
import { decodeDatagram, decodePacket, newDecodedSegment } from '../decode/decode-packet.js';
import { Defragmenter, type DefragStats } from '../defrag/defragmenter.js';

export type PacketCounts = Record<SkipReason | 'tcp', number>;

export function emptyPacketCounts(): PacketCounts {
  return { tcp: 0, not_tcp: 0, truncated: 0, malformed: 0, fragment: 0, bad_checksum: 0, tunnel_depth: 0, unsupported_link: 0 };
}

/** The frame was a fragment and its datagram is not complete yet (or was dropped and counted). */
export const HELD = 'held';

/** The operator line for a link type without decoder. */
export function unsupportedLinkMessage(file: string, linkType: number): string {
  return `${file}: link type ${linkType} is not supported (no decoder for it; see https://www.tcpdump.org/linktypes.html); its packets are skipped and counted in mailtap_packets_total{result="unsupported_link"}`;
}

export class PacketDecoder {
  readonly seg: DecodedSegment = newDecodedSegment();
  readonly defrag: Defragmenter;
  /** Frames by decode result since the caller last reset them. */
  readonly counts: PacketCounts = emptyPacketCounts();
  /** Frames whose time the reader clamped (capture_bad_timestamp), since the caller last reset it. */
  badTimestamps = 0;
  private readonly verify: boolean;
  private readonly maxTunnels: number;
  /** Link types already reported for the current file. */
  private readonly reportedLinks = new Set<number>();
  /**
   * A link type with no decoder (802.11 radiotap, DOCSIS …), once per file and link type: the
   * operator must hear why a capture yields nothing (its packets count as unsupported_link).
   */
  onUnsupportedLink: ((linkType: number) => void) | null = null;

  constructor(config: Config) {
    this.verify = config.capture.verify_checksums;
    this.maxTunnels = config.capture.max_tunnel_depth;
    this.defrag = new Defragmenter({
      memcapBytes: config.flows.fragment_memcap_kb * 1024,
      timeoutMicros: config.flows.fragment_timeout_s * 1_000_000,
    });
  }

  /** null: `seg` holds a TCP segment (possibly of a datagram this fragment completed). Else why not. */
  decode(frame: RawFrame): DecodeOutcome | typeof HELD {
    const seg = this.seg;
    if (frame.tsClamped === true) this.badTimestamps++;
    let r: DecodeOutcome = decodePacket(frame, seg, this.verify, this.maxTunnels);
    if (r !== 'fragment') {
      this.counts[r ?? 'tcp']++;
      if (r === 'unsupported_link' && !this.reportedLinks.has(frame.linkType)) {
        this.reportedLinks.add(frame.linkType);
        this.onUnsupportedLink?.(frame.linkType);
      }
      return r;
    }
    this.counts.fragment++;
    let buf = frame.data;
    // A reassembled datagram may hold a tunnel whose inner packet is a fragment again: each round
    // goes one tunnel deeper, so max_tunnel_depth bounds the loop.
    while (r === 'fragment') {
      const done = this.defrag.add(buf, seg, frame.tsMicros);
      if (done === null) return HELD;
      buf = done.datagram;
      r = decodeDatagram(buf, seg, this.verify, this.maxTunnels);
    }
    seg.tsMicros = frame.tsMicros;
    return r;
  }

  /** A new capture file begins: its unsupported link types are reported again. */
  newFile(): void {
    this.reportedLinks.clear();
  }

  /** Timeouts of incomplete datagrams at packet time `now`. */
  tick(now: number): void {
    this.defrag.expire(now);
  }

  /** End of input: incomplete datagrams will never complete (counted as timed out). */
  finish(): void {
    this.defrag.expireAll();
  }

  get reassembly(): DefragStats {
    return this.defrag.stats;
  }
}
