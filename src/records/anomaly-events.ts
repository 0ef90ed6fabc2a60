// Per-connection rate limit of `anomaly` events (SPEC §3.3, limits.anomaly_events_per_session).
// Owns one connection's written/suppressed counts. Every occurrence is still counted in
// mailtap_anomalies_total by the caller; this only decides which ones also become events.
import { ANOMALIES } from '../shared/anomalies.js';
import type { AnomalyCode } from '../shared/anomalies.js';

export class AnomalyEventLimiter {
  private writtenCount = 0;
  private suppressedCount = 0;

  /** `limit` events at most per connection: a hostile flow must not turn into an event flood. */
  constructor(private readonly limit: number) {}

  /** True when this occurrence is to be written as an event. */
  admit(name: AnomalyCode): boolean {
    if (!ANOMALIES[name].event) return false;
    if (this.writtenCount >= this.limit) {
      this.suppressedCount++;
      return false;
    }
    this.writtenCount++;
    return true;
  }

  get written(): number {
    return this.writtenCount;
  }

  /** Event-worthy occurrences beyond the limit (counted only). */
  get suppressed(): number {
    return this.suppressedCount;
  }
}
