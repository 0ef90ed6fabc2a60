// Coverage feedback for the fuzzer from V8's precise block coverage (node:inspector, the same
// data c8 uses): after each input, takePreciseCoverage (which also resets the counts) is reduced
// to features = (block of a src/ function, hit-count bucket), AFL-style. Owns the inspector
// session and the table of blocks learnt so far; produces feature ids per execution.
import { Session } from 'node:inspector';
import type { Profiler } from 'node:inspector';

/** AFL's hit-count buckets: 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+ (a loop running longer is new behaviour). */
function bucket(count: number): number {
  if (count <= 3) return count - 1;
  if (count < 8) return 3;
  if (count < 16) return 4;
  if (count < 32) return 5;
  if (count < 128) return 6;
  return 7;
}

/** Blocks of one function learnt so far (V8 reports a block only when its count differs from its parent's). */
interface FnBlocks {
  starts: number[];
  ends: number[];
  ids: number[];
}

export class CoverageFeedback {
  private readonly session = new Session();
  private readonly fns = new Map<string, FnBlocks>();
  private nextBlock = 0;
  private started = false;

  /** `include(url)` picks the scripts whose blocks count (the target's src/ files). */
  constructor(private readonly include: (url: string) => boolean) {}

  start(): void {
    this.session.connect();
    // A same-thread inspector session answers synchronously: no await per input.
    this.session.post('Profiler.enable');
    this.session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    this.started = true;
  }

  stop(): void {
    if (!this.started) return;
    this.session.post('Profiler.stopPreciseCoverage');
    this.session.post('Profiler.disable');
    this.session.disconnect();
    this.started = false;
  }

  /** Blocks of the target's code seen so far (reached or not). */
  get blocks(): number {
    return this.nextBlock;
  }

  /** Discard the counts gathered so far (setup work that is not the input's). */
  reset(): void {
    this.take();
  }

  /** Features of the execution since the last call, appended to `out` (cleared first). */
  collect(out: number[]): void {
    out.length = 0;
    for (const script of this.take()) {
      if (!this.include(script.url)) continue;
      for (const fn of script.functions) this.addFunction(script.url, fn, out);
    }
  }

  private take(): Profiler.ScriptCoverage[] {
    let result: Profiler.ScriptCoverage[] = [];
    this.session.post('Profiler.takePreciseCoverage', (err, res) => {
      if (err === null) result = res.result;
    });
    return result;
  }

  private addFunction(url: string, fn: Profiler.FunctionCoverage, out: number[]): void {
    const ranges = fn.ranges;
    const top = ranges[0];
    if (top === undefined) return;
    const key = `${url}#${top.startOffset}`;
    let known = this.fns.get(key);
    if (known === undefined) {
      known = { starts: [], ends: [], ids: [] };
      this.fns.set(key, known);
    }
    for (const r of ranges) this.learn(known, r.startOffset, r.endOffset);
    if (top.count === 0) return;
    // A learnt block's count is that of the innermost reported range containing it.
    for (let k = 0; k < known.ids.length; k++) {
      const s = known.starts[k]!;
      const e = known.ends[k]!;
      let count = 0;
      let span = Infinity;
      for (const r of ranges) {
        if (r.startOffset <= s && e <= r.endOffset && r.endOffset - r.startOffset < span) {
          span = r.endOffset - r.startOffset;
          count = r.count;
        }
      }
      if (count > 0) out.push(known.ids[k]! * 8 + bucket(count));
    }
  }

  private learn(known: FnBlocks, s: number, e: number): void {
    for (let k = 0; k < known.starts.length; k++) if (known.starts[k] === s && known.ends[k] === e) return;
    known.starts.push(s);
    known.ends.push(e);
    known.ids.push(this.nextBlock++);
  }
}
