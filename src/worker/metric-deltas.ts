// Worker-side metric aggregation (STYLE §2 decision 2: prom-client registries are per thread).
// Owns the counter increments since the last report; `take()` hands them over as one versioned
// MetricDeltas. Label values an attacker controls (verbs, AUTH mechanisms) are folded into fixed
// sets so a hostile client cannot inflate the metric cardinality.
import type { AuthResult, SmtpCounters, TransactionStatus } from '../smtp/types.js';
import type { StartTlsState } from '../smtp/types.js';
import type { AnomalyCode } from '../shared/anomalies.js';
import type { TlsOutcome } from '../tls/types.js';
import type { MetricDeltas } from '../dispatch/types.js';
import { LABEL_SEP } from '../dispatch/types.js';

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
 * Counter keys by label value, built once: every command and reply of every session lands here, and
 * a template string per call was a fresh string to hash each time (~4% of a worker on 100k short
 * sessions).
 */
const verbKeys = new Map<string, string>();
const REPLY_KEYS = ['2xx', '3xx', '4xx', '5xx'].map((c) => `smtp_replies_total${LABEL_SEP}${c}`);

function verbKey(verb: string): string {
  let k = verbKeys.get(verb);
  if (k === undefined) {
    k = `smtp_commands_total${LABEL_SEP}${foldVerb(verb)}`;
    // Only canonical spellings are remembered, so hostile verbs cannot grow the memo.
    if (verbKeys.size < 256 && KNOWN_VERBS.has(verb)) verbKeys.set(verb, k);
  }
  return k;
}

export class MetricDeltaAccumulator implements SmtpCounters {
  private counters = new Map<string, number>();
  private observations: number[] = [];
  private dirty = false;

  inc(key: string, n = 1): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + n);
    this.dirty = true;
  }

  command(verb: string): void {
    this.inc(verbKey(verb));
  }

  reply(code: number): void {
    if (code >= 200 && code < 600) this.inc(REPLY_KEYS[Math.floor(code / 100) - 2]!);
  }

  auth(mechanism: string, result: AuthResult, cleartext: boolean): void {
    this.inc(`smtp_auth_total${LABEL_SEP}${foldMechanism(mechanism)}${LABEL_SEP}${result}${LABEL_SEP}${cleartext ? 'true' : 'false'}`);
  }

  anomaly(name: AnomalyCode): void {
    this.inc(`anomalies_total${LABEL_SEP}${name}`);
  }

  session(starttls: StartTlsState | undefined): void {
    this.inc(`smtp_sessions_total${LABEL_SEP}${starttls ?? 'none'}`);
  }

  tls(version: string | undefined, outcome: TlsOutcome): void {
    this.inc(`smtp_tls_total${LABEL_SEP}${foldTlsVersion(version)}${LABEL_SEP}${outcome}`);
  }

  transaction(status: TransactionStatus, parts: number, attachments: number, messageBytes: number | null): void {
    this.inc(`smtp_transactions_total${LABEL_SEP}${status}`);
    if (status === 'incomplete') this.inc('smtp_incomplete_transactions_total');
    if (parts > 0) this.inc('mime_parts_total', parts);
    if (attachments > 0) this.inc('attachments_total', attachments);
    if (messageBytes !== null) {
      // Bounded: the worker takes the deltas after every batch.
      this.observations.push(messageBytes);
      this.dirty = true;
    }
  }

  /** The increments since the last take, or null when nothing happened. */
  take(): MetricDeltas | null {
    if (!this.dirty) return null;
    const counters: Record<string, number> = {};
    for (const [k, v] of this.counters) counters[k] = v;
    const d: MetricDeltas = { v: 1, counters, messageBytes: this.observations };
    this.counters = new Map();
    this.observations = [];
    this.dirty = false;
    return d;
  }
}
