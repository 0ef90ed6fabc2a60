// Extraction settings as the worker uses them (SPEC §6 `extract`): the config section in bytes,
// the directory made absolute, and the process-wide total budget shared by every worker thread.
// Pure; consumes Config['extract'], produces ExtractOptions.
import { resolve } from 'node:path';
import type { Config } from '../config/types.js';

export type ExtractConfig = Config['extract'];

/**
 * The `extract` config section as a worker receives it (in dispatch's WorkerConfig), plus the
 * process-wide byte counter of the total cap.
 */
export interface ExtractWorkerConfig extends Readonly<ExtractConfig> {
  /**
   * One BigInt64 of bytes stored by this process. A SharedArrayBuffer is shared, not copied, by
   * postMessage, so every worker (and a restarted one) counts against the same total. Absent:
   * each worker counts alone.
   */
  budget?: SharedArrayBuffer;
}

const MIB = 1024 * 1024;

export interface ExtractOptions {
  directory: string;
  attachments: boolean;
  messages: boolean;
  maxFileBytes: number;
  maxTotalBytes: number;
}

/** For WorkerConfig (built once on the main thread; every worker receives the same budget). */
export function extractWorkerConfigOf(cfg: ExtractConfig): ExtractWorkerConfig {
  return { ...cfg, budget: new SharedArrayBuffer(8) };
}

export function extractOptionsOf(cfg: ExtractConfig): ExtractOptions {
  return {
    directory: resolve(cfg.directory),
    attachments: cfg.attachments,
    messages: cfg.messages,
    maxFileBytes: cfg.max_file_mb * MIB,
    maxTotalBytes: cfg.max_total_mb * MIB,
  };
}
