// Packet time. Parsers never call Date.now(): every time they see is packet time, carried as
// integer microseconds since the Unix epoch (exact in a double until the year 2255).

/** ISO-8601 UTC with microseconds, as SPEC §3 `ts`: 2024-01-15T09:00:00.123456Z */
export function isoMicros(tsMicros: number): string {
  const ms = Math.floor(tsMicros / 1000);
  const micros = tsMicros - ms * 1000;
  const iso = new Date(ms).toISOString(); // ...SS.mmmZ
  return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}

/** ISO-8601 UTC with milliseconds, as SPEC §3 `time`. */
export function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

export function nowMicros(): number {
  return Date.now() * 1000;
}
