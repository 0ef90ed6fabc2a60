// Lifecycle (src/cli/lifecycle.ts): signals become one stop request or a reopen; the ordered stop
// steps share one deadline, and a step that hangs or throws does not keep the next from running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Lifecycle, runStopSteps, within } from '../../../src/cli/lifecycle.js';
import type { StopStep } from '../../../src/cli/lifecycle.js';

test('SIGTERM requests the stop once; SIGINT after it is reported as a repeat; SIGHUP reopens', async () => {
  const sig = new EventEmitter();
  const lc = new Lifecycle();
  let hups = 0;
  const seen: [string, boolean][] = [];
  lc.install(sig, () => hups++, (s, first) => seen.push([s, first]));
  sig.emit('SIGHUP');
  sig.emit('SIGHUP');
  assert.equal(hups, 2);
  assert.equal(lc.stopReason, null);
  sig.emit('SIGTERM');
  sig.emit('SIGINT');
  assert.equal(await lc.stopped, 'SIGTERM');
  assert.deepEqual(seen, [['SIGTERM', true], ['SIGINT', false]]);
  lc.uninstall();
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) assert.equal(sig.listenerCount(s), 0, `${s} listener removed`);
});

test('requestStop from inside (writer or pool failure) resolves the same promise; later requests are ignored', async () => {
  const lc = new Lifecycle();
  lc.requestStop('pool_failed');
  lc.requestStop('SIGTERM');
  assert.equal(await lc.stopped, 'pool_failed');
  assert.equal(lc.stopReason, 'pool_failed');
});

test('steps run in order, each with what is left of the deadline', async () => {
  const order: string[] = [];
  const budgets: number[] = [];
  const step = (name: string, ms: number): StopStep => ({
    name,
    run: async (remaining) => {
      order.push(name);
      budgets.push(remaining);
      await new Promise((r) => setTimeout(r, ms));
    },
  });
  const reports = await runStopSteps([step('capture', 0), step('drain', 60), step('events', 0)], 5000);
  assert.deepEqual(order, ['capture', 'drain', 'events']);
  assert.deepEqual(reports.map((r) => r.outcome), ['done', 'done', 'done']);
  assert.ok(budgets[0]! <= 5000 && budgets[2]! <= budgets[0]! - 50, `budgets shrink: ${budgets.join(',')}`);
});

test('a hanging step times out at the deadline and the later steps still run (with 0 ms)', async () => {
  const ran: number[] = [];
  const t0 = Date.now();
  const reports = await runStopSteps(
    [
      { name: 'drain', run: () => new Promise<void>(() => undefined) },
      { name: 'throws', run: () => { throw new Error('boom'); } },
      { name: 'events', run: (remaining) => { ran.push(remaining); } },
    ],
    150,
  );
  const took = Date.now() - t0;
  assert.ok(took >= 140 && took < 2000, `bounded by the deadline: ${took} ms`);
  assert.deepEqual(reports.map((r) => [r.name, r.outcome]), [['drain', 'timeout'], ['throws', 'error'], ['events', 'done']]);
  assert.equal(reports[1]!.error, 'boom');
  // Timers may fire a millisecond before Date.now() says the deadline passed.
  assert.equal(ran.length, 1);
  assert.ok(ran[0]! <= 5, `what is left after the deadline: ${ran[0]} ms`);
});

test('deadline edge: a step finishing just inside its budget is done, one past it times out', async () => {
  const now = { t: 0 };
  const clock = (): number => now.t;
  const inside = await runStopSteps([{ name: 'a', run: () => new Promise<void>((r) => setTimeout(r, 5)) }], 200, clock);
  assert.equal(inside[0]!.outcome, 'done');
  const past = await runStopSteps([{ name: 'a', run: () => new Promise<void>((r) => setTimeout(r, 80)) }], 20, clock);
  assert.equal(past[0]!.outcome, 'timeout');
});

test('within: done when the work ends first, timeout otherwise (negative budgets are 0)', async () => {
  assert.equal(await within(Promise.resolve(), 50), 'done');
  assert.equal(await within(new Promise((r) => setTimeout(r, 200)), 20), 'timeout');
  assert.equal(await within(new Promise(() => undefined), -5), 'timeout');
});
