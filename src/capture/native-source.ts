// Live PacketSource on mailtap's own libpcap addon (capture.backend: native): a capture thread
// fills batch buffers and JavaScript walks each batch, delivering RawFrames that view it.
// State: the native handle, the one RawFrame, counters, the run promise's settle functions.
// Consumes batches from native-addon.ts; produces RawFrame, SourceEnd, SourceStats (pcap_stats).
import { CaptureError, ConfigError } from '../shared/errors.js';
import { loadNativeAddon } from './native-addon.js';
import { FrameWindow, setFrameBytes } from './frame-window.js';
import type { NativeAddon, NativeHandle, NativeStats } from './native-addon.js';
import type { LiveSourceConfig } from './live-source.js';
import type { FrameHandler, PacketSource, RawFrame, SourceEnd, SourceStats } from './types.js';

/** Per record, native endianness: u32 ts_sec, u32 ts_usec, u32 caplen, u32 wirelen; then caplen bytes padded to 4. */
export const RECORD_HEADER_BYTES = 16;

/** How the addon batches; defaults below, overridable per source (tests, benchmarks). */
export interface NativeTuning {
  batchBytes: number;
  maxBatches: number;
  flushMs: number;
  timeoutMs: number;
  immediate: boolean;
}

/**
 * 1 MiB batches: ~700 full-size or ~10,000 small packets per JavaScript call. 64 in flight: 64 MiB
 * (touched only as far as JavaScript lags) absorbs a ~0.5 s stall at 1 Gbit/s before whole batches
 * are dropped. 10 ms: the kernel block timeout plus the flush bound a lone packet's delay to ~20 ms.
 */
export const DEFAULT_NATIVE_TUNING: Readonly<NativeTuning> = {
  batchBytes: 1 << 20,
  maxBatches: 64,
  flushMs: 10,
  timeoutMs: 10,
  immediate: false,
};

export type NativeSourceConfig = LiveSourceConfig & {
  tuning?: Partial<NativeTuning>;
  /** Join this PACKET_FANOUT group (flow-symmetric hash) so processes in it share the traffic. */
  fanoutGroup?: number;
};

/** pcap_set_buffer_size takes an int. */
const MAX_PCAP_BUFFER_BYTES = 0x7fffffff;
const REQUIRED_PRIVILEGE = 'root or CAP_NET_RAW and CAP_NET_ADMIN (e.g. setcap cap_net_raw,cap_net_admin=eip on the node binary)';

export interface BatchResult {
  frames: number;
  bytes: number;
  /** Bytes left that do not form a whole record (a header or payload past `used`): not delivered. */
  malformedBytes: number;
  /** Highest timestamp delivered (input lastTsMicros when none). */
  lastTsMicros: number;
}

/**
 * Delivers every record of one batch through `frame` (reused; a window of `buf`, setFrameBytes), timestamps
 * clamped so they never decrease. Pure apart from `frame` and `result`, which it overwrites.
 * Stops at the first record that does not fit in `used` (counted, never thrown).
 */
export function deliverBatch(
  buf: Buffer,
  words: Uint32Array,
  used: number,
  frame: RawFrame,
  onFrame: FrameHandler,
  lastTsMicros: number,
  result: BatchResult,
): BatchResult {
  let off = 0;
  let frames = 0;
  let bytes = 0;
  let last = lastTsMicros;
  while (off + RECORD_HEADER_BYTES <= used) {
    const w = off >>> 2;
    const caplen = words[w + 2]!;
    const end = off + RECORD_HEADER_BYTES + caplen;
    if (end > used) break;
    let ts = words[w]! * 1_000_000 + words[w + 1]!;
    if (ts < last) ts = last;
    last = ts;
    frame.tsMicros = ts;
    frame.wirelen = words[w + 3]!;
    setFrameBytes(frame, buf, off + RECORD_HEADER_BYTES, caplen);
    frames++;
    bytes += caplen;
    onFrame(frame);
    off = (end + 3) & ~3;
  }
  result.frames = frames;
  result.bytes = bytes;
  result.malformedBytes = off < used ? used - off : 0;
  result.lastTsMicros = last;
  return result;
}

class NativeSource implements PacketSource {
  readonly description: string;
  private readonly iface: string;
  private readonly addon: NativeAddon;
  private readonly handle: NativeHandle;
  private readonly frame: RawFrame;
  private readonly result: BatchResult = { frames: 0, bytes: 0, malformedBytes: 0, lastTsMicros: 0 };
  private onFrame: FrameHandler | null = null;
  private finish: ((end: SourceEnd) => void) | null = null;
  private fail: ((err: unknown) => void) | null = null;
  private failure: unknown = null;
  private started = false;
  private stopRequested = false;
  private ended = false;
  private frames = 0;
  private bytes = 0;
  private malformedBytes = 0;
  private lastTsMicros = 0;

  constructor(cfg: NativeSourceConfig, addon: NativeAddon) {
    this.iface = cfg.interface;
    this.description = `live:${cfg.interface} (native)`;
    this.addon = addon;
    const t = { ...DEFAULT_NATIVE_TUNING, ...cfg.tuning };
    try {
      const opened = addon.open({
        iface: cfg.interface,
        filter: cfg.filter,
        snaplen: cfg.snaplen,
        promisc: cfg.promiscuous,
        bufferBytes: Math.min(cfg.buffer_mb * 1024 * 1024, MAX_PCAP_BUFFER_BYTES),
        immediate: t.immediate,
        timeoutMs: t.timeoutMs,
        batchBytes: t.batchBytes,
        maxBatches: t.maxBatches,
        flushMs: t.flushMs,
        ...(cfg.fanoutGroup === undefined ? {} : { fanoutGroup: cfg.fanoutGroup }),
      });
      this.handle = opened.handle;
      // A window of each batch (frame-window.ts): decode reads the batch in place, no view per packet.
      const frame = new FrameWindow();
      frame.linkType = opened.linkType;
      this.frame = frame;
    } catch (err) {
      throw this.openError(err, cfg.filter);
    }
  }

  run(onFrame: FrameHandler): Promise<SourceEnd> {
    if (this.stopRequested || this.started) return Promise.resolve({ kind: 'stopped' });
    this.onFrame = onFrame;
    const done = new Promise<SourceEnd>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    this.started = true;
    this.addon.start(this.handle, this.onBatch);
    return done;
  }

  /** Joins the capture thread; the batches it had are still delivered, then `run` resolves. */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.addon.stop(this.handle);
  }

  stats(): SourceStats {
    const n = this.addon.stats(this.handle);
    return {
      frames: this.frames,
      bytes: this.bytes,
      // Whole batches dropped because JavaScript fell behind are lost before mailtap sees them,
      // like the socket's own drops: both count as kernel-side drops (nativeStats() splits them).
      dropsKernel: n.drop + n.batchDropPackets,
      dropsInterface: n.ifdrop,
    };
  }

  nativeStats(): NativeStats & { malformedBytes: number } {
    return { ...this.addon.stats(this.handle), malformedBytes: this.malformedBytes };
  }

  /** One bound handler for every batch (no closure per batch or per packet). */
  private readonly onBatch = (batch: ArrayBuffer | null, used: number): void => {
    if (batch === null) {
      this.end();
      return;
    }
    const onFrame = this.onFrame;
    if (onFrame === null) return; // a failed handler: the rest is not delivered
    const r = this.result;
    try {
      deliverBatch(Buffer.from(batch, 0, used), new Uint32Array(batch, 0, used >>> 2), used, this.frame, onFrame, this.lastTsMicros, r);
    } catch (err) {
      this.failure = err;
      this.onFrame = null;
      this.stop();
      return;
    }
    this.frames += r.frames;
    this.bytes += r.bytes;
    this.malformedBytes += r.malformedBytes;
    this.lastTsMicros = r.lastTsMicros;
  };

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onFrame = null;
    const finish = this.finish;
    const fail = this.fail;
    this.finish = null;
    this.fail = null;
    const threadError = this.addon.stats(this.handle).error;
    if (this.failure !== null) fail?.(this.failure);
    else if (threadError !== null && !this.stopRequested) fail?.(new CaptureError(`capture on "${this.iface}" failed: ${threadError}`));
    else finish?.({ kind: 'stopped' });
    if (!this.stopRequested) this.stop(); // close the handle after a thread error
  }

  private openError(err: unknown, filter: string): CaptureError | ConfigError {
    const why = err instanceof Error ? err.message : String(err);
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    // A filter libpcap refuses is a configuration error (exit 1, never retried by systemd).
    if (code === 'EBPF') return new ConfigError(`the capture filter does not compile: ${why}`, [`capture.filter: ${why} (filter "${filter}")`]);
    if (code === 'EPERM' || /permission|not permitted/i.test(why)) {
      return new CaptureError(`cannot capture on "${this.iface}": permission denied (${why}); needs ${REQUIRED_PRIVILEGE}`, { cause: err });
    }
    if (code === 'EFANOUT') {
      // EINVAL: the group exists with another mode or interface (another program's group id?).
      return new CaptureError(`cannot capture on "${this.iface}": ${why}; every process of a fanout group must capture the same interface, and no other program may use the group id (capture.fanout.group)`, { cause: err });
    }
    if (code === 'ENODEV') {
      const devices = this.addon.devices();
      const list = devices.length > 0 ? devices.join(', ') : '(none visible)';
      return new CaptureError(`cannot capture on "${this.iface}": no such interface; available devices: ${list}`, { cause: err });
    }
    return new CaptureError(`cannot capture on "${this.iface}" with filter "${filter}": ${why}`, { cause: err });
  }
}

export type NativePacketSource = PacketSource & { nativeStats(): NativeStats & { malformedBytes: number } };

/**
 * Opens the interface now (before privileges are dropped); throws CaptureError when it cannot,
 * including when the addon is not built. `addon` is for tests.
 */
export function openNativeSource(cfg: NativeSourceConfig, addon?: NativeAddon): NativePacketSource {
  return new NativeSource(cfg, addon ?? loadNativeAddon());
}
