// Daemon lifecycle: turns SIGTERM/SIGINT into one stop request and SIGHUP into a reopen, and runs
// the ordered shutdown steps (capture first to stop, writer and HTTP last) within one deadline.
// Owns the signal listeners it installs and the stop promise; knows nothing about the pipeline.
// Consumes signals and step functions; produces the stop reason and a report of each step.

export type StopReason = 'SIGTERM' | 'SIGINT' | 'capture_ended' | 'writer_failed' | 'pool_failed';

export interface StopStep {
  name: string;
  run(remainingMs: number): Promise<void> | void;
}

export interface StepReport {
  name: string;
  outcome: 'done' | 'timeout' | 'error';
  ms: number;
  error?: string;
}

export interface SignalTarget {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export class Lifecycle {
  private resolveStop: ((r: StopReason) => void) | null = null;
  private reason: StopReason | null = null;
  /** Resolves with the first stop request (later ones are ignored: the deadline bounds the stop). */
  readonly stopped: Promise<StopReason>;
  private readonly installed: [NodeJS.Signals, () => void][] = [];
  private target: SignalTarget | null = null;

  constructor() {
    this.stopped = new Promise<StopReason>((resolve) => (this.resolveStop = resolve));
  }

  get stopReason(): StopReason | null {
    return this.reason;
  }

  requestStop(reason: StopReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.resolveStop?.(reason);
    this.resolveStop = null;
  }

  /**
   * SIGTERM/SIGINT request a stop; SIGHUP calls onHangup (log rotation). Listening replaces
   * node's default action (exit) for these signals until uninstall().
   */
  install(target: SignalTarget, onHangup: () => void, onSignal?: (s: NodeJS.Signals, first: boolean) => void): void {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const l = (): void => {
        onSignal?.(sig, this.reason === null);
        this.requestStop(sig);
      };
      target.on(sig, l);
      this.installed.push([sig, l]);
    }
    const hup = (): void => onHangup();
    target.on('SIGHUP', hup);
    this.installed.push(['SIGHUP', hup]);
    this.target = target;
  }

  uninstall(): void {
    const t = this.target;
    if (t === null) return;
    for (const [sig, l] of this.installed) t.off(sig, l);
    this.installed.length = 0;
    this.target = null;
  }
}

/**
 * Runs the steps in order, each given what is left of `deadlineMs`. A step that throws or outlives
 * its share is reported and the next one still runs: a stuck drain must not keep the writer from
 * flushing what is already there. Steps left when the deadline has passed get 0 ms and still run
 * (closing the writer is synchronous enough to finish), so nothing is silently skipped.
 */
export async function runStopSteps(steps: readonly StopStep[], deadlineMs: number, now: () => number = Date.now): Promise<StepReport[]> {
  const end = now() + deadlineMs;
  const reports: StepReport[] = [];
  for (const step of steps) {
    const start = now();
    const remaining = Math.max(0, end - start);
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = Promise.resolve().then(() => step.run(remaining));
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), remaining);
      });
      const r = await Promise.race([work.then(() => 'done' as const), timeout]);
      reports.push({ name: step.name, outcome: r, ms: now() - start });
    } catch (err) {
      reports.push({ name: step.name, outcome: 'error', ms: now() - start, error: err instanceof Error ? err.message : String(err) });
    } finally {
      clearTimeout(timer);
    }
  }
  return reports;
}

/** Resolves with `work`'s outcome, or with 'timeout' after `ms` (work keeps running unobserved). */
export async function within(work: Promise<unknown>, ms: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
