// The anomalies of one message: each name recorded once, in the order first raised, so a message
// with a million bad lines costs one entry (the count of occurrences is not what events carry).
import type { AnomalyCode } from '../shared/anomalies.js';

export interface AnomalySink {
  add(code: AnomalyCode): void;
}

export class AnomalySet implements AnomalySink {
  /** Made on the first anomaly: most messages have none (one Set per message for nothing). */
  private seen: Set<AnomalyCode> | null = null;
  add(code: AnomalyCode): void {
    (this.seen ??= new Set()).add(code);
  }
  has(code: AnomalyCode): boolean {
    return this.seen !== null && this.seen.has(code);
  }
  list(): AnomalyCode[] {
    return this.seen === null ? [] : [...this.seen];
  }
}
