// Chooses and opens the live capture backend (SPEC §6 `capture.backend`): `native` (the default,
// mailtap's own addon: kernel timestamps, pcap_stats, PACKET_FANOUT) or `cap` (the npm package),
// which is also the automatic fallback when the native addon cannot load. Stateless: the caller
// gets the opened source, the backend in use and the one warning to log when it fell back.
import { CaptureError } from '../shared/errors.js';
import { openLiveSource } from './live-source.js';
import type { LiveSourceConfig } from './live-source.js';
import { loadNativeAddon } from './native-addon.js';
import type { NativeAddon } from './native-addon.js';
import { openNativeSource } from './native-source.js';
import type { NativeSourceConfig } from './native-source.js';
import type { PacketSource } from './types.js';

export type CaptureBackend = 'cap' | 'native';

/** What the cap fallback loses, named in its warning so the operator knows what the figures mean. */
export const CAP_FALLBACK_LOSSES =
  'packet timestamps become arrival times (when JavaScript received each packet, not the kernel\'s capture time) ' +
  'and kernel drops are unknown (no capture_drops_total{where="kernel"} sample is exported)';

export interface CaptureRequest {
  backend: CaptureBackend;
  live: LiveSourceConfig;
  /** PACKET_FANOUT group to join (native only); absent: no fanout. */
  fanoutGroup?: number;
}

export interface OpenedCapture {
  source: PacketSource;
  backend: CaptureBackend;
  /** Set when `native` was asked for and `cap` is used instead: the warning to log, once. */
  fallbackWarning: string | null;
}

/** The openers (tests replace them). */
export interface CaptureOpeners {
  loadAddon: () => NativeAddon;
  openNative: (cfg: NativeSourceConfig, addon: NativeAddon) => PacketSource;
  openCap: (cfg: LiveSourceConfig) => PacketSource;
}

const REAL_OPENERS: CaptureOpeners = {
  loadAddon: () => loadNativeAddon(),
  openNative: (cfg, addon) => openNativeSource(cfg, addon),
  openCap: openLiveSource,
};

/**
 * Opens the capture. Only a native addon that cannot LOAD falls back to cap; an addon that loads
 * but cannot open the interface (no such device, no permission, a bad filter) throws, as cap would.
 * Fanout cannot fall back: without it every process would see all the traffic (duplicate events).
 */
export function openCapture(req: CaptureRequest, openers: CaptureOpeners = REAL_OPENERS): OpenedCapture {
  if (req.backend === 'cap') return { source: openers.openCap(req.live), backend: 'cap', fallbackWarning: null };
  let addon: NativeAddon;
  try {
    addon = openers.loadAddon();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (req.fanoutGroup !== undefined) {
      throw new CaptureError(`capture.fanout needs the native backend, which cannot load (${why}); without fanout every process would capture all the traffic`, { cause: err });
    }
    const source = openers.openCap(req.live);
    return { source, backend: 'cap', fallbackWarning: `capture.backend native is not available (${why}); capturing with cap instead: ${CAP_FALLBACK_LOSSES}` };
  }
  const cfg: NativeSourceConfig = req.fanoutGroup === undefined ? { ...req.live } : { ...req.live, fanoutGroup: req.fanoutGroup };
  return { source: openers.openNative(cfg, addon), backend: 'native', fallbackWarning: null };
}
