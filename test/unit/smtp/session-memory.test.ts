import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureIdle } from '../../helpers/idle-memory.js';

// Issue 13 item 12: an idle SMTP session (banner, EHLO and its reply seen, nothing pending) costs
// at most 2 KiB in its worker: buffers, parsers, recognizer windows and DATA state are made only
// when needed. Heap after a full GC is deterministic enough for an upper bound with margin (no
// timing): 10,000 sessions are measured in a child process run with --expose-gc.
test('an idle SMTP session costs at most 2 KiB in the worker (heap and buffers, 10,000 sessions)', () => {
  const m = measureIdle('worker', 10_000);
  assert.ok(m.totalPerFlow < 2048, `idle session: ${m.totalPerFlow} bytes (${m.heapPerFlow} heap + ${m.externalPerFlow} buffers)`);
});
