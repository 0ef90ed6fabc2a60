// The operational log for a person at a terminal (SPEC §2: human-readable when standard error is
// a terminal, NDJSON otherwise). pino-pretty is not a dependency; this turns each pino line into
// `HH:MM:SS.mmm LEVEL message key=value …`, the level coloured, synchronously (like the NDJSON
// destination) so a line logged just before exit is not lost.
import { writeSync } from 'node:fs';

const COLOURS: Record<string, string> = { fatal: '\x1b[41;97m', error: '\x1b[31m', warn: '\x1b[33m', info: '\x1b[32m', debug: '\x1b[36m', trace: '\x1b[90m' };
const RESET = '\x1b[0m';
/** Fields every line has, shown in the prefix or not at all. */
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'name', 'hostname']);

function value(v: unknown): string {
  if (typeof v === 'string') return /^[\w./:@+-]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One pino NDJSON line → one readable line (a line that is not JSON is passed through). */
export function formatPretty(line: string, colour: boolean): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof o['time'] === 'string' ? o['time'].slice(11, 23) : '';
  const level = String(o['level'] ?? '');
  const tag = level.toUpperCase().padEnd(5);
  const shown = colour && COLOURS[level] !== undefined ? `${COLOURS[level]}${tag}${RESET}` : tag;
  let out = `${time} ${shown} ${String(o['msg'] ?? '')}`;
  for (const [k, v] of Object.entries(o)) {
    if (SKIP.has(k)) continue;
    if (k === 'err' && typeof v === 'object' && v !== null) {
      const e = v as { message?: unknown; stack?: unknown };
      out += `\n    ${String(e.stack ?? e.message ?? JSON.stringify(v))}`;
      continue;
    }
    out += `  ${k}=${value(v)}`;
  }
  return `${out}\n`;
}

/** A pino destination writing formatted lines to `fd`. */
export function prettyDestination(fd: number, colour: boolean): { write(line: string): void } {
  return {
    write(line: string): void {
      writeSync(fd, formatPretty(line, colour));
    },
  };
}
