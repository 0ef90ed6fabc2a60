// The anomalies of one message: each name recorded once, in the order first raised, so a message
// with a million bad lines costs one entry (the count of occurrences is not what events carry).
import type { AnomalyCode } from '../shared/anomalies.js';

export interface AnomalySink {
  add(code: AnomalyCode): void;
}

export class AnomalySet implements AnomalySink {
  private readonly seen = new Set<AnomalyCode>();
  add(code: AnomalyCode): void {
    this.seen.add(code);
  }
  has(code: AnomalyCode): boolean {
    return this.seen.has(code);
  }
  list(): AnomalyCode[] {
    return [...this.seen];
  }
}
