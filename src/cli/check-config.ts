// `mailtap check-config` beyond the schema (SPEC §6): compiles the capture filter with libpcap, as
// `run` will, and looks the interface up, so what `run` would refuse is caught before systemd
// starts it. A filter that does not compile is an error (its key path, capture.filter); an
// interface that does not exist is a warning here (it may appear later: a VLAN or a hot-plugged
// NIC), and exit 2 for `run`. Stateless: Config and a probe in, errors and warnings out.
import { createRequire } from 'node:module';
import { buildCaptureFilter } from '../capture/filter.js';
import { loadNativeAddon } from '../capture/native-addon.js';
import { LinkType } from '../capture/types.js';
import type { Config } from '../config/types.js';

/** libpcap's largest snaplen: compiling never depends on a shorter one. */
const COMPILE_SNAPLEN = 262144;

/** What check-config can ask libpcap; `compile` null when no compiler is reachable (say why). */
export interface CaptureProbe {
  /** pcap_compile for a LINKTYPE_*; throws with libpcap's message. */
  compile: ((linkType: number, expr: string) => void) | null;
  /** Interfaces libpcap can open; null when they cannot be listed. */
  devices: (() => string[]) | null;
  /** Why `compile` is null (the addon did not load). */
  unavailable: string | null;
}

export interface CheckReport {
  errors: string[];
  warnings: string[];
}

/** The native addon's compiler and device list; cap's device list when the addon cannot load. */
export function defaultProbe(): CaptureProbe {
  try {
    const addon = loadNativeAddon();
    return { compile: (lt, expr) => void addon.compile(lt, COMPILE_SNAPLEN, expr), devices: () => addon.devices(), unavailable: null };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { compile: null, devices: capDevices(), unavailable: why };
  }
}

function capDevices(): (() => string[]) | null {
  try {
    const cap = createRequire(import.meta.url)('cap') as { Cap: { deviceList(): { name: string }[] } };
    return () => cap.Cap.deviceList().map((d) => d.name);
  } catch {
    return null;
  }
}

/**
 * The interface's link type is only known once it is open (which needs privileges): the filter is
 * compiled for Linux cooked capture on `any` and for Ethernet otherwise, as filter.ts writes it.
 */
export function checkCapture(config: Config, probe: CaptureProbe): CheckReport {
  const report: CheckReport = { errors: [], warnings: [] };
  const c = config.capture;
  const filter = buildCaptureFilter(c);
  if (probe.compile === null) {
    const why = probe.unavailable ?? 'unknown reason';
    report.warnings.push(`capture.filter: not compiled, libpcap's compiler is reached through the native addon, which did not load (${why})`);
    // Fanout never falls back to cap (every process would see all the traffic): run exits 2.
    if (c.fanout.count > 1) report.warnings.push(`capture.fanout: needs the native addon, which did not load (${why}); mailtap run exits 2 until it is built`);
  } else {
    try {
      probe.compile(c.interface === 'any' ? LinkType.LINUX_SLL : LinkType.ETHERNET, filter);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      report.errors.push(`capture.filter: ${why} (filter "${filter}")`);
    }
  }
  if (probe.devices === null) {
    report.warnings.push(`capture.interface: the interfaces cannot be listed here; "${c.interface}" was not checked`);
  } else {
    const devices = probe.devices();
    if (!devices.includes(c.interface)) {
      const list = devices.length > 0 ? devices.join(', ') : '(none visible)';
      report.warnings.push(`capture.interface: no interface "${c.interface}" on this machine (available: ${list}); mailtap run exits 2 until it exists`);
    }
  }
  return report;
}
