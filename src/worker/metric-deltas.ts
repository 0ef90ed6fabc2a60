// Worker-side metric aggregation (STYLE §2 decision 2: prom-client registries are per thread).
// Owns the counter increments since the last report; `take()` hands them over as one versioned
// MetricDeltas. Label values an attacker controls (verbs, AUTH mechanisms) are folded into fixed
// sets so a hostile client cannot inflate the metric cardinality.
import type { AuthResult, SmtpCounters, TransactionStatus } from '../smtp/types.js';
import type { StartTlsState } from '../smtp/types.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import type { TlsOutcome } from '../tls/types.js';
import type { CounterDelta, MetricDeltas, WorkerCounter, WorkerCounterLabels } from '../dispatch/metric-deltas.js';
import { METRIC_DELTAS_VERSION } from '../dispatch/metric-deltas.js';

const KNOWN_VERBS = new Set([
  'HELO', 'EHLO', 'MAIL', 'RCPT', 'DATA', 'BDAT', 'RSET', 'QUIT', 'NOOP', 'VRFY', 'EXPN', 'HELP',
  'AUTH', 'STARTTLS', 'TURN', 'ETRN', 'ATRN', 'XCLIENT', 'XFORWARD', 'LHLO', 'BURL',
]);

const KNOWN_MECHANISMS = new Set([
  'PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'NTLM', 'GSSAPI', 'XOAUTH2', 'OAUTHBEARER',
  'SCRAM-SHA-1', 'SCRAM-SHA-256', 'EXTERNAL', 'ANONYMOUS',
]);

/** Negotiated versions kept as label values; anything else (a hex code a peer chose) is `other`. */
const KNOWN_TLS_VERSIONS = new Set(['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

export function foldTlsVersion(version: string | undefined): string {
  if (version === undefined) return 'unknown';
  return KNOWN_TLS_VERSIONS.has(version) ? version : 'other';
}

export function foldVerb(verb: string): string {
  const v = verb.toUpperCase();
  return KNOWN_VERBS.has(v) ? v : 'other';
}

export function foldMechanism(mech: string): string {
  const m = mech.toUpperCase();
  return KNOWN_MECHANISMS.has(m) ? m : 'other';
}

export function replyClass(code: number): string | null {
  if (code >= 200 && code < 300) return '2xx';
  if (code >= 300 && code < 400) return '3xx';
  if (code >= 400 && code < 500) return '4xx';
  if (code >= 500 && code < 600) return '5xx';
  return null;
}

/**
 * Label tuples by verb, built once: every command of every session lands here, and a fresh
 * fold and tuple per call was garbage for nothing (~4% of a worker on 100k short sessions).
 */
const verbLabels = new Map<string, readonly [string]>();
const REPLY_LABELS = [['2xx'], ['3xx'], ['4xx'], ['5xx']] as const;
const NO_LABELS = [] as const;

function labelsOfVerb(verb: string): readonly [string] {
  let l = verbLabels.get(verb);
  if (l === undefined) {
    l = [foldVerb(verb)];
    // Only canonical spellings are remembered, so hostile verbs cannot grow the memo.
    if (verbLabels.size < 256 && KNOWN_VERBS.has(verb)) verbLabels.set(verb, l);
  }
  return l;
}

/** One series' place in the accumulator: found again by its label values one by one, never joined. */
interface SeriesNode {
  delta: CounterDelta | null;
  next: Map<string, SeriesNode> | null;
}

export class MetricDeltaAccumulator implements SmtpCounters {
  private series = new Map<WorkerCounter, SeriesNode>();
  private counters: CounterDelta[] = [];
  private observations: number[] = [];
  private dirty = false;

  /** Adds `n` to the series `name{labels}`; `labels` is kept (pass a tuple nobody changes). */
  inc<N extends WorkerCounter>(name: N, labels: WorkerCounterLabels[N], n = 1): void {
    let node = this.series.get(name);
    if (node === undefined) {
      node = { delta: null, next: null };
      this.series.set(name, node);
    }
    for (const value of labels) {
      node.next ??= new Map();
      let child = node.next.get(value);
      if (child === undefined) {
        child = { delta: null, next: null };
        node.next.set(value, child);
      }
      node = child;
    }
    if (node.delta === null) {
      node.delta = { name, labels, n: 0 } as CounterDelta;
      this.counters.push(node.delta);
    }
    node.delta.n += n;
    this.dirty = true;
  }

  command(verb: string): void {
    this.inc('smtp_commands_total', labelsOfVerb(verb));
  }

  reply(code: number): void {
    if (code >= 200 && code < 600) this.inc('smtp_replies_total', REPLY_LABELS[Math.floor(code / 100) - 2]!);
  }

  auth(mechanism: string, result: AuthResult, cleartext: boolean): void {
    this.inc('smtp_auth_total', [foldMechanism(mechanism), result, cleartext ? 'true' : 'false']);
  }

  anomaly(name: AnomalyCode): void {
    this.inc('anomalies_total', [name]);
  }

  session(starttls: StartTlsState | undefined): void {
    this.inc('smtp_sessions_total', [starttls ?? 'none']);
  }

  tls(version: string | undefined, outcome: TlsOutcome): void {
    this.inc('smtp_tls_total', [foldTlsVersion(version), outcome]);
  }

  transaction(status: TransactionStatus, parts: number, attachments: number, messageBytes: number | null): void {
    this.inc('smtp_transactions_total', [status]);
    if (status === 'incomplete') this.inc('smtp_incomplete_transactions_total', NO_LABELS);
    if (parts > 0) this.inc('mime_parts_total', NO_LABELS, parts);
    if (attachments > 0) this.inc('attachments_total', NO_LABELS, attachments);
    if (messageBytes !== null) {
      // Bounded: the worker takes the deltas after every batch.
      this.observations.push(messageBytes);
      this.dirty = true;
    }
  }

/** The increments since the last take, or null when nothing happened. */
  take(): MetricDeltas | null {
    if (!this.dirty) return null;
    const d: MetricDeltas = { v: METRIC_DELTAS_VERSION, counters: this.counters, messageBytes: this.observations };
    this.series = new Map();
    this.counters = [];
    this.observations = [];
    this.dirty = false;
    return d;
  }
}
