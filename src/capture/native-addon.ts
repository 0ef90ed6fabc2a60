// Loads mailtap's own libpcap addon (native/pcap-batch, built with `npm run build:native`) and
// types its functions (capture: open/start/stop/stats/devices; BPF without a capture: compile/match). Stateless apart from the module cache; produces the typed binding or a
// CaptureError saying how to build it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CaptureError } from '../shared/errors.js';

export interface NativeOpenOptions {
  iface: string;
  filter: string;
  snaplen: number;
  promisc: boolean;
  bufferBytes: number;
  /** Deliver every packet at once (no kernel block batching); costs wake-ups. */
  immediate: boolean;
  /** Kernel block retire timeout (pcap_set_timeout): a lone packet waits at most this long. */
  timeoutMs: number;
  /** Bytes per batch buffer (raised to hold one snaplen-sized record). */
  batchBytes: number;
  /** Batches handed to JavaScript and not yet processed before whole batches are dropped. */
  maxBatches: number;
  /** A non-empty batch goes to JavaScript at most this long after its first packet. */
  flushMs: number;
  /** Linux PACKET_FANOUT group id (0..65535) to join in hash mode; absent: no fanout. */
  fanoutGroup?: number;
}

export interface NativeHandle {
  readonly __nativeCaptureHandle: unique symbol;
}

export interface NativeOpened {
  handle: NativeHandle;
  /** LINKTYPE_* of the interface (DLT_RAW already mapped to LINKTYPE_RAW). */
  linkType: number;
}

export interface NativeStats {
  /** pcap_stats, accumulated past 32-bit wrap: packets passing the filter, dropped by the kernel socket, by the interface. */
  recv: number;
  drop: number;
  ifdrop: number;
  /** Whole batches dropped because JavaScript was maxBatches behind, and what they held. */
  batchDrops: number;
  batchDropPackets: number;
  batchDropBytes: number;
  /** Why the capture thread stopped on its own (pcap_dispatch failed), else null. */
  error: string | null;
}

/** `batch` null: the capture thread ended (stop() or an error, see stats().error). */
export type NativeBatchHandler = (batch: ArrayBuffer | null, usedBytes: number, records: number) => void;

/** A BPF program compiled by `compile` (freed by the garbage collector). */
export interface NativeProgram {
  readonly __nativeBpfProgram: unique symbol;
}

export interface NativeAddon {
  open(opts: NativeOpenOptions): NativeOpened;
  start(handle: NativeHandle, onBatch: NativeBatchHandler): void;
  stop(handle: NativeHandle): void;
  stats(handle: NativeHandle): NativeStats;
  devices(): string[];
  /** pcap_compile for a LINKTYPE_* without a capture; throws (code EBPF) with libpcap's message. */
  compile(linkType: number, snaplen: number, expr: string): NativeProgram;
  /** pcap_offline_filter: does the packet (captured bytes, length on the wire) pass the program? */
  match(program: NativeProgram, data: Uint8Array, wirelen: number): boolean;
}

export const ADDON_RELATIVE_PATH = 'native/pcap-batch/build/Release/pcap_batch.node';
export const BUILD_HINT = 'build it with `npm run build:native` (needs a C compiler, make, python3 and the libpcap headers: libpcap-dev)';

/** src/capture/ under tsx and dist/src/capture/ after tsc: the repository root is 2 or 3 levels up. */
export function addonCandidates(): string[] {
  return ['../../', '../../../'].map((up) => fileURLToPath(new URL(up + ADDON_RELATIVE_PATH, import.meta.url)));
}

const loaded = new Map<string, NativeAddon>();

/** The addon from the first candidate path that exists (`candidates` is for tests). */
export function loadNativeAddon(candidates: readonly string[] = addonCandidates()): NativeAddon {
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) {
    throw new CaptureError(`capture.backend "native": the addon is not built (looked for ${candidates.join(', ')}); ${BUILD_HINT}, or set capture.backend: cap`);
  }
  const known = loaded.get(path);
  if (known !== undefined) return known;
  const require = createRequire(import.meta.url);
  try {
    const addon = require(path) as NativeAddon;
    loaded.set(path, addon);
    return addon;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new CaptureError(`capture.backend "native": the addon at ${path} did not load: ${why}; rebuild it: ${BUILD_HINT}`, { cause: err });
  }
}
