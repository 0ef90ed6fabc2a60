// Extraction settings as the worker uses them (SPEC §6 `extract`): the config section in bytes,
// the directory made absolute, and the process-wide total budget shared by every worker thread.
// Pure; consumes Config['extract'], produces ExtractOptions.
import { resolve } from 'node:path';
import type { Config } from '../config/types.js';
import type { ExtractWorkerConfig } from '../dispatch/types.js';

export type ExtractConfig = Config['extract'];
export type { ExtractWorkerConfig };

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
