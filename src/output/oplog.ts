// The operational log (SPEC §2): start, stop, warnings and errors as NDJSON on standard error
// through pino (human-readable lines instead when it is a terminal, output/pretty-log.ts). Owns
// one pino instance per call; events never go here (they have their own writer). Writes
// synchronously so a message logged just before process exit is not lost.
import { pino } from 'pino';
import type { Logger, LevelWithSilent } from 'pino';
import { isatty } from 'node:tty';
import { prettyDestination } from './pretty-log.js';

export type OpLogger = Logger;

export interface OpLogOptions {
  level?: LevelWithSilent;
  /** File descriptor to write to; 2 (stderr) unless a test wants another. */
  fd?: number;
  /** Human-readable lines instead of NDJSON; default: when the descriptor is a terminal. */
  pretty?: boolean;
}

export function createOpLog(opts: OpLogOptions = {}): OpLogger {
  const fd = opts.fd ?? 2;
  const pretty = opts.pretty ?? isatty(fd);
  return pino(
    {
      name: 'mailtap',
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pretty ? prettyDestination(fd, true) : pino.destination({ fd, sync: true }),
  );
}
