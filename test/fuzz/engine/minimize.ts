// Shrinks a finding's input (delta debugging on bytes): removes ever smaller ranges while the
// target still fails with the same message (digits ignored, so "chunks of 5" matches "chunks of
// 7"). Runs in the calling thread, so use it on crashes, not on hangs. Pure apart from the target.
import type { FuzzTarget } from './target.js';

function failure(target: FuzzTarget, input: Buffer): string | null {
  try {
    target.run(input);
    return null;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return `${e.name}: ${e.message.split('\n')[0]!.replace(/\d+/g, 'N')}`;
  }
}

/** The smallest input found that fails like `input`; `input` itself when it does not fail. */
export function minimize(target: FuzzTarget, input: Buffer): Buffer {
  const want = failure(target, input);
  if (want === null) return input;
  let best = input;
  for (let size = best.length >> 1; size >= 1; size >>= 1) {
    let shrunk = true;
    while (shrunk) {
      shrunk = false;
      for (let at = 0; at + size <= best.length; at += size) {
        const cand = Buffer.concat([best.subarray(0, at), best.subarray(at + size)]);
        if (failure(target, cand) === want) {
          best = cand;
          shrunk = true;
        }
      }
    }
  }
  return best;
}
