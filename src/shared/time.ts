// Packet time. Parsers never call Date.now(): every time they see is packet time, carried as
// integer microseconds since the Unix epoch (exact in a double until the year 2255).

/** ISO-8601 UTC with microseconds, as SPEC §3 `ts`: 2024-01-15T09:00:00.123456Z */
export function isoMicros(tsMicros: number): string {
  const sec = Math.floor(tsMicros / 1_000_000);
  // Every record carries two or three of these, mostly within the same second: the
  // YYYY-MM-DDTHH:MM:SS prefix is formatted once per second (Date + toISOString were ~3% of a
  // worker on 100k short sessions).
  if (sec !== lastSecond) {
    lastSecond = sec;
    lastPrefix = new Date(sec * 1000).toISOString().slice(0, 19);
  }
  const frac = tsMicros - sec * 1_000_000;
  return `${lastPrefix}.${String(frac).padStart(6, '0')}Z`;
}

let lastSecond = Number.NaN;
let lastPrefix = '';

/** ISO-8601 UTC with milliseconds, as SPEC §3 `time`. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

export function nowMicros(): number {
  return Date.now() * 1000;
}
