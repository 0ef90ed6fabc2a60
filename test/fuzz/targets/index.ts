// The fuzz targets by name, one per parser (loaded on demand so a worker imports only its own).
import type { FuzzTarget } from '../engine/target.js';

export const TARGET_NAMES = ['decode-packet', 'capture-file', 'reassembler', 'smtp-session', 'mime', 'tls-handshake'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Targets with planted bugs that test the engine itself (never run by fuzz.test.ts). */
export const PLANTED_NAMES = ['planted-crash', 'planted-hang'] as const;
export type AnyTargetName = TargetName | (typeof PLANTED_NAMES)[number];

export function isTargetName(s: string): s is TargetName {
  return (TARGET_NAMES as readonly string[]).includes(s);
}

export function isAnyTargetName(s: string): s is AnyTargetName {
  return isTargetName(s) || (PLANTED_NAMES as readonly string[]).includes(s);
}

export async function loadTarget(name: AnyTargetName): Promise<FuzzTarget> {
  switch (name) {
    case 'planted-crash':
      return (await import('./planted.js')).plantedCrash;
    case 'planted-hang':
      return (await import('./planted.js')).plantedHang;
    case 'decode-packet':
      return (await import('./decode-packet.js')).target;
    case 'capture-file':
      return (await import('./capture-file.js')).target;
    case 'reassembler':
      return (await import('./reassembler.js')).target;
    case 'smtp-session':
      return (await import('./smtp-session.js')).target;
    case 'mime':
      return (await import('./mime.js')).target;
    case 'tls-handshake':
      return (await import('./tls-handshake.js')).target;
  }
}
