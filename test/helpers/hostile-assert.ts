// The four checks every hostile-input test makes (issue 8): the run survived with the expected exit
// code and no stack trace; peak RSS stayed under the baseline plus what the caps allow; the named
// anomaly is counted (and, when it is an event anomaly, written); the normal sessions are unchanged.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { ANOMALIES } from '../../src/shared/anomalies.js';
import type { AnomalyCode } from '../../src/shared/anomalies.js';
import { NORMAL_CLIENT, eventsOf } from './hostile-normal.js';
import { BASE_ENV, NORMAL_A_PORT, anomalyCount, normalAlone, rssBudgetKb } from './hostile-run.js';
import type { HostileResult } from './hostile-run.js';

export interface SurviveOptions {
  code?: number;
  env?: Readonly<Record<string, string>>;
  workers?: number;
  /** Op-log levels allowed besides info/warn (none by default). */
  allowLevels?: readonly string[];
}

export async function assertSurvived(t: TestContext, r: HostileResult, o: SurviveOptions = {}): Promise<void> {
  const alone = await normalAlone();
  const budget = rssBudgetKb({ ...BASE_ENV, ...o.env }, o.workers ?? 1);
  t.diagnostic(
    `input ${(r.inputBytes / 1048576).toFixed(1)} MiB, ${r.frames} frames; ${r.ms} ms; peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MiB ` +
      `(baseline ${(alone.maxRssKb / 1024).toFixed(0)} MiB + cap budget ${(budget / 1024).toFixed(0)} MiB)`,
  );
  assert.equal(r.code, o.code ?? 0, r.stderr.slice(-4000));
  assert.doesNotMatch(r.stderr, /^\s+at\s/m, 'no stack trace on stderr');
  for (const line of r.stderr.split('\n')) if (line !== '') assert.ok(line.startsWith('{'), `stderr is the NDJSON op log only: ${line.slice(0, 300)}`);
  const allowed = new Set(['trace', 'debug', 'info', 'warn', ...(o.allowLevels ?? [])]);
  for (const l of r.log) assert.ok(allowed.has(String(l.level)), `op log level ${String(l.level)}: ${JSON.stringify(l).slice(0, 500)}`);
  assert.ok(r.maxRssKb > 0, 'peak RSS measured');
  assert.ok(r.maxRssKb <= alone.maxRssKb + budget, `peak RSS ${r.maxRssKb} KiB > baseline ${alone.maxRssKb} + budget ${budget} KiB`);
}

/** Counted in mailtap_anomalies_total at least `min` times, and written as events when it is an event anomaly. */
export function assertAnomaly(r: HostileResult, name: AnomalyCode, min = 1): number {
  const n = anomalyCount(r, name);
  assert.ok(n >= min, `mailtap_anomalies_total{name="${name}"} = ${n}, expected >= ${min}`);
  if (ANOMALIES[name].event) {
    assert.ok(
      r.events.some((e) => e.event === 'anomaly' && e.name === name),
      `an anomaly event ${name}`,
    );
  }
  return n;
}

/** Anomaly names in any smtp_transaction/smtp_session `anomalies` array of the connection from `port`. */
export function listedAnomalies(r: HostileResult, srcIp: string, port: number): Set<string> {
  const out = new Set<string>();
  for (const e of r.events) {
    if (e.src_ip !== srcIp || e.src_port !== port) continue;
    if (e.event !== 'smtp_transaction' && e.event !== 'smtp_session') continue;
    for (const a of (e.anomalies as string[] | undefined) ?? []) out.add(a);
  }
  return out;
}

/** Each normal session on `ports` wrote exactly the events of the normal session read alone. */
export async function assertNormalUnchanged(r: HostileResult, ports: readonly number[]): Promise<void> {
  const alone = await normalAlone();
  const want = eventsOf(alone.events, NORMAL_CLIENT, NORMAL_A_PORT);
  assert.deepEqual(
    want.map((e) => e.event),
    ['smtp_transaction', 'smtp_session'],
    'the normal session alone: one transaction, one session',
  );
  for (const p of ports) assert.deepEqual(eventsOf(r.events, NORMAL_CLIENT, p), want, `normal session on port ${p}`);
}
