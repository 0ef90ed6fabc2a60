// Live PacketSource on libpcap through the npm `cap` addon: opens the interface with a BPF
// filter and delivers every packet as a RawFrame viewing cap's ONE reused packet buffer.
// State: the cap handle, that buffer, the one RawFrame, the arrival clock, counters.
// Consumes cap 'packet' events; produces RawFrame, SourceEnd, CaptureError (open failures).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { CaptureError } from '../shared/errors.js';
import { LinkType } from './types.js';
import type { FrameHandler, PacketSource, RawFrame, SourceEnd, SourceStats } from './types.js';

export interface LiveSourceConfig {
  interface: string;
  filter: string;
  snaplen: number;
  buffer_mb: number;
  promiscuous: boolean;
}

interface CapDevice {
  name: string;
  description?: string;
}

interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): unknown;
}

interface CapModule {
  Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

/** pcap_set_buffer_size takes an int; cap also rejects anything that is not a uint32. */
const MAX_PCAP_BUFFER_BYTES = 0x7fffffff;
/** Re-read the wall clock this often so arrival times follow NTP without ever going backwards. */
const CLOCK_REANCHOR_MS = 1000;
const REQUIRED_PRIVILEGE = 'root or CAP_NET_RAW and CAP_NET_ADMIN (e.g. setcap cap_net_raw,cap_net_admin=eip on the node binary)';

/**
 * cap 0.2 aborts the process (libuv assertion in uv_poll_stop) when it garbage-collects a handle
 * whose open() failed: its destructor stops a poll handle that was never started. Failed handles
 * are therefore kept alive here for the life of the process (one per failed open).
 */
const failedHandles: CapHandle[] = [];

export function failedHandleCount(): number {
  return failedHandles.length;
}

function loadCap(iface: string): CapModule {
  const require = createRequire(import.meta.url);
  try {
    return require('cap') as CapModule;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CaptureError(`cannot capture on "${iface}": the libpcap binding (npm package cap) did not load: ${why}`, { cause: err });
  }
}

/** cap's open() names the datalink type (binding.cc); the frame carries the LINKTYPE_* number. */
export function linkTypeFromCap(name: string): number {
  switch (name) {
    case 'ETHERNET':
      return LinkType.ETHERNET;
    case 'LINKTYPE_LINUX_SLL':
      return LinkType.LINUX_SLL;
    case 'NULL':
      return LinkType.NULL;
    case 'RAW':
      return LinkType.RAW; // DLT_RAW is 12 or 14 by platform; files and mailtap use LINKTYPE_RAW
    case 'IEEE802_11_RADIO':
      return 127; // LINKTYPE_IEEE802_11_RADIOTAP: not decoded, frames count as not_tcp
    default: {
      // "Unknown linktype N": for the values cap does not name, DLT_ and LINKTYPE_ agree.
      const m = /(\d+)\s*$/.exec(name);
      return m === null ? -1 : Number(m[1]);
    }
  }
}

/** An interface counter from sysfs; null where there is none (`any`, a vanished interface, no sysfs). */
export function sysfsCounter(iface: string, counter: string): number | null {
  try {
    const n = Number(readFileSync(`/sys/class/net/${iface}/statistics/${counter}`, 'latin1').trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

class LiveSource implements PacketSource {
  readonly description: string;
  private readonly iface: string;
  private readonly handle: CapHandle;
  private readonly packetBuf: Buffer;
  private readonly linkType: number;
  private readonly frame: RawFrame;
  private onFrame: FrameHandler | null = null;
  private finish: ((end: SourceEnd) => void) | null = null;
  private fail: ((err: unknown) => void) | null = null;
  private stopped = false;
  private frames = 0;
  private bytes = 0;
  private anchorWallMicros = 0;
  private anchorPerfMs = 0;
  private lastTsMicros = 0;
  /** null: the interface has no missed-packet counter, so its drops are not measured. */
  private readonly dropBaseInterface: number | null;
  private dropsInterface = 0;

  constructor(cfg: LiveSourceConfig) {
    this.iface = cfg.interface;
    this.description = `live:${cfg.interface}`;
    const cap = loadCap(cfg.interface);
    const devices = cap.Cap.deviceList().map((d) => d.name);
    if (!devices.includes(cfg.interface)) throw this.noSuchDevice(devices);
    // cap copies min(caplen, buffer.length) bytes per packet: the buffer size is the snaplen
    // (cap itself always asks libpcap for 65535 bytes and promiscuous mode).
    this.packetBuf = Buffer.alloc(cfg.snaplen);
    this.handle = new cap.Cap();
    const bufferBytes = Math.min(cfg.buffer_mb * 1024 * 1024, MAX_PCAP_BUFFER_BYTES);
    let linkName: string;
    try {
      linkName = this.handle.open(cfg.interface, cfg.filter, bufferBytes, this.packetBuf);
    } catch (err) {
      failedHandles.push(this.handle);
      throw this.openError(err, cfg.filter, devices);
    }
    this.linkType = linkTypeFromCap(linkName);
    this.frame = { tsMicros: 0, linkType: this.linkType, caplen: 0, wirelen: 0, data: this.packetBuf.subarray(0, 0) };
    this.dropBaseInterface = this.readDrops('rx_missed_errors');
    this.anchorWallMicros = Date.now() * 1000;
    this.anchorPerfMs = performance.now();
    this.handle.on('packet', this.onPacket);
  }

  run(onFrame: FrameHandler): Promise<SourceEnd> {
    if (this.stopped) return Promise.resolve({ kind: 'stopped' });
    this.onFrame = onFrame;
    return new Promise<SourceEnd>((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.handle.close();
    this.onFrame = null;
    const finish = this.finish;
    this.finish = null;
    this.fail = null;
    if (finish !== null) finish({ kind: 'stopped' });
  }

  stats(): SourceStats {
    // cap exposes no pcap_stats(), so the capture socket's own drop count is out of reach: it is
    // reported as unknown (null), never as 0 (SPEC §4). The NIC's missed-packet counter in sysfs is
    // measured where the interface has one (delta since open; the last value is kept if the
    // interface vanishes). sysfs rx_dropped is not the capture socket's drop count (it counts
    // packets the stack discarded), so it does not stand in for it.
    const base = this.dropBaseInterface;
    if (base !== null) {
      const now = this.readDrops('rx_missed_errors');
      if (now !== null) this.dropsInterface = Math.max(this.dropsInterface, now - base);
    }
    return { frames: this.frames, bytes: this.bytes, dropsKernel: null, dropsInterface: base === null ? null : this.dropsInterface };
  }

  /** One bound listener for every packet (no closure per packet). */
  private readonly onPacket = (nbytes: number, truncated: boolean): void => {
    const onFrame = this.onFrame;
    if (onFrame === null) return; // between open and run, or after stop
    const frame = this.frame;
    frame.tsMicros = this.arrivalMicros();
    frame.caplen = nbytes;
    // cap passes no pkthdr.len: when the snaplen cut the packet the wire length is only known
    // to be larger, so wirelen is a lower bound that still marks the frame as cut.
    frame.wirelen = truncated ? nbytes + 1 : nbytes;
    frame.data = this.packetBuf.subarray(0, nbytes);
    this.frames++;
    this.bytes += nbytes;
    try {
      onFrame(frame);
    } catch (err) {
      const fail = this.fail;
      this.stop();
      if (fail !== null) fail(err);
    }
  };

  /** cap gives no timestamps: arrival time, monotonic between wall-clock re-anchors, never decreasing. */
  private arrivalMicros(): number {
    const now = performance.now();
    if (now - this.anchorPerfMs >= CLOCK_REANCHOR_MS) {
      this.anchorWallMicros = Date.now() * 1000;
      this.anchorPerfMs = now;
    }
    let ts = this.anchorWallMicros + Math.floor((now - this.anchorPerfMs) * 1000);
    if (ts < this.lastTsMicros) ts = this.lastTsMicros;
    this.lastTsMicros = ts;
    return ts;
  }

  private readDrops(counter: string): number | null {
    return sysfsCounter(this.iface, counter);
  }

  private noSuchDevice(devices: readonly string[]): CaptureError {
    const list = devices.length > 0 ? devices.join(', ') : '(none visible)';
    return new CaptureError(`cannot capture on "${this.iface}": no such interface; available devices: ${list}`);
  }

  private openError(err: unknown, filter: string, devices: readonly string[]): CaptureError {
    const why = err instanceof Error ? err.message : String(err);
    if (/permission|not permitted|EPERM|EACCES/i.test(why)) {
      return new CaptureError(`cannot capture on "${this.iface}": permission denied (${why}); needs ${REQUIRED_PRIVILEGE}`, { cause: err });
    }
    if (/no such device/i.test(why)) return this.noSuchDevice(devices);
    return new CaptureError(`cannot capture on "${this.iface}" with filter "${filter}": ${why}`, { cause: err });
  }
}

/** Opens the interface now (before privileges are dropped); throws CaptureError when it cannot. */
export function openLiveSource(cfg: LiveSourceConfig): PacketSource {
  return new LiveSource(cfg);
}
