// The capture-loss ratio over a sliding window (SPEC §4 `capture_loss_ratio`, issue 14): the share
// of acknowledged TCP payload that was never seen, counting only what was acknowledged in the last
// `windowMs`. A gauge computed "since the last update that had acknowledged bytes" kept a burst's
// value forever on an idle link (0.585 for 76 s with no flows) and fired the critical alert with no
// loss happening; here an idle window reads 0. Time comes from the caller (injectable clock).

interface Step { atMs: number; acked: number; missing: number }

export class LossWindow {
  private readonly steps: Step[] = [];
  private head = 0;
  private acked = 0;
  private missing = 0;

  constructor(private readonly windowMs: number) {}

  /** Bytes acknowledged, and acknowledged but never seen, since the previous add, at `atMs`. */
  add(atMs: number, acked: number, missing: number): void {
    if (acked <= 0 && missing <= 0) return;
    this.steps.push({ atMs, acked, missing });
    this.acked += acked;
    this.missing += missing;
  }

  /** Missing / acknowledged over (nowMs - window, nowMs]; 0 when the window acknowledged nothing. */
  ratio(nowMs: number): number {
    const from = nowMs - this.windowMs;
    while (this.head < this.steps.length && this.steps[this.head]!.atMs <= from) {
      const s = this.steps[this.head++]!;
      this.acked -= s.acked;
      this.missing -= s.missing;
    }
    // Compact now and then so the array does not grow with the process's lifetime.
    if (this.head > 1024 && this.head * 2 > this.steps.length) {
      this.steps.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.steps.length) {
      this.acked = 0; // no float residue once the window is empty
      this.missing = 0;
    }
    if (!(this.acked > 0)) return 0;
    return Math.min(1, Math.max(0, this.missing / this.acked));
  }
}
