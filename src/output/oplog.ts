// The operational log (SPEC §2): start, stop, warnings and errors as NDJSON on standard error
// through pino. Owns one pino instance per call; events never go here (they have their own
// writer). Writes synchronously so a message logged just before process exit is not lost.
import { pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';

export type OpLogger = Logger;

export interface OpLogOptions {
  level?: LevelWithSilent;
  /** File descriptor to write to; 2 (stderr) unless a test wants another. */
  fd?: number;
}

export function createOpLog(opts: OpLogOptions = {}): OpLogger {
  return pino(
    {
      name: 'mailtap',
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: opts.fd ?? 2, sync: true }),
  );
}
