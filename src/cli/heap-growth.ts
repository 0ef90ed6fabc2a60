// How far V8 lets a heap grow past its live data before the next full collection, for every
// isolate of the process (the main thread and each worker: V8 flags are process-wide and read at
// each collection). V8's own factor, up to ~4x live, let `read` of `many` (100,000 short sessions,
// 5,000 open) reach 367-382 MB of RSS for ~25 MB of live data per thread: sessions outlive a
// scavenge, are promoted, and die in old space, which then grows to the limit. 1.5x live held it
// at 281-284 MB for a few percent more CPU (test/bench/README.md, "Peak RSS on many").
// An operator can choose otherwise with node's own flag (`node --heap-growing-percent=N`), which
// this leaves alone.
import { setFlagsFromString } from 'node:v8';

/** The default: the heap may grow to 1.5x its live data (V8 picks 1.1x-4x by itself). */
export const HEAP_GROWING_PERCENT = 50;

const FLAG = '--heap-growing-percent';

/** Sets V8's heap growing factor unless node was started with the flag. */
export function tuneHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => a === FLAG || a.startsWith(`${FLAG}=`) || a.startsWith('--heap_growing_percent'))) return false;
  setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
  return true;
}
