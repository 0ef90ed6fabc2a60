// A BPF expression applied to the packets of capture files (`mailtap read --filter`, SPEC §2), as
// `tcpdump -r FILE EXPR` does: libpcap compiles it once per link type met (pcapng files may mix
// them) and pcap_offline_filter judges each packet, through the native addon.
// State: the compiled programs by link type, match counters. Consumes RawFrames; passes on the
// ones that match.
import { CaptureError, ConfigError } from '../shared/errors.js';
import { loadNativeAddon } from './native-addon.js';
import type { NativeAddon, NativeProgram } from './native-addon.js';
import { LinkType } from './types.js';
import type { FrameHandler, RawFrame } from './types.js';

/** libpcap's largest snaplen: the program must not assume a shorter capture than a file may hold. */
const COMPILE_SNAPLEN = 262144;

export interface OfflineFilterStats {
  /** Packets that passed the expression (and went on to decoding). */
  matched: number;
  /** Packets the expression rejected. */
  rejected: number;
  /** Packets of a link type the expression does not compile for (skipped; warned once per type). */
  uncompiled: number;
}

export class OfflineFilter {
  readonly expression: string;
  readonly stats: OfflineFilterStats = { matched: 0, rejected: 0, uncompiled: 0 };
  private readonly addon: NativeAddon;
  private readonly onWarning: (msg: string) => void;
  /** null: the expression does not compile for that link type. */
  private readonly programs = new Map<number, NativeProgram | null>();
  private lastLinkType = -1;
  private lastProgram: NativeProgram | null = null;

  /**
   * Compiles `expression` for Ethernet now, so a syntax error stops the run before any packet is
   * read (ConfigError naming `capture.filter`, exit 1) as tcpdump refuses it at start.
   */
  constructor(expression: string, addon: NativeAddon, onWarning: (msg: string) => void) {
    this.expression = expression;
    this.addon = addon;
    this.onWarning = onWarning;
    try {
      this.programs.set(LinkType.ETHERNET, addon.compile(LinkType.ETHERNET, COMPILE_SNAPLEN, expression));
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new ConfigError(`the capture filter does not compile: ${why}`, [`capture.filter: ${why} (filter "${expression}")`]);
    }
  }

  /** `onFrame` behind the filter: frames that do not match never reach it. */
  wrap(onFrame: FrameHandler): FrameHandler {
    return (frame: RawFrame): void => {
      const program = frame.linkType === this.lastLinkType ? this.lastProgram : this.programFor(frame.linkType);
      if (program === null) {
        this.stats.uncompiled++;
        return;
      }
      if (this.addon.match(program, frame.data, frame.wirelen)) {
        this.stats.matched++;
        onFrame(frame);
      } else {
        this.stats.rejected++;
      }
    };
  }

  private programFor(linkType: number): NativeProgram | null {
    let program = this.programs.get(linkType);
    if (program === undefined) {
      try {
        program = this.addon.compile(linkType, COMPILE_SNAPLEN, this.expression);
      } catch (err) {
        // e.g. `ether host …` on a raw-IP capture: that link type's packets are skipped, said once.
        const why = err instanceof Error ? err.message : String(err);
        this.onWarning(`capture.filter "${this.expression}" does not compile for link type ${linkType} (${why}); its packets are skipped`);
        program = null;
      }
      this.programs.set(linkType, program);
    }
    this.lastLinkType = linkType;
    this.lastProgram = program;
    return program;
  }
}

/**
 * The filter for `read`, or null when `expression` is empty (every packet). It needs the native
 * addon (libpcap's compiler); without it: CaptureError (exit 2, the missing library named).
 */
export function openOfflineFilter(expression: string, onWarning: (msg: string) => void, loadAddon: () => NativeAddon = () => loadNativeAddon()): OfflineFilter | null {
  if (expression.trim() === '') return null;
  let addon: NativeAddon;
  try {
    addon = loadAddon();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CaptureError(`a capture filter on files (read --filter, capture.filter) needs the native addon: ${why}`, { cause: err });
  }
  return new OfflineFilter(expression, addon, onWarning);
}
