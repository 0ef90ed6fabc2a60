import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Issue 12 item 3: the flow stage's per-packet path allocates nothing for in-order traffic (no
// closures, no per-segment objects, arrays or buffers): data events reuse one object, the copies
// kept for the retransmission check go into pooled ring buffers. Measured in a child process
// (test/helpers/flow-alloc-entry.ts) whose young generation is large enough that no collection
// runs during the measured loop, so the heap only grows by what was allocated; before this work
// the same run grew by ~32 bytes per segment with the check off (a data event object each) and
// ~600 (345 heap + 256 buffer bytes) with it on (the default, 64 KiB: a copy of each segment).
const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? '.ts' : '.js';
const ENTRY = fileURLToPath(new URL(`../../helpers/flow-alloc-entry${ext}`, import.meta.url));

interface Alloc {
  segments: number;
  events: number;
  gcDuringLoop: number;
  heapPerSegment: number;
  arrayBuffersPerSegment: number;
}

function measure(retransmitCheckKb: number): Alloc {
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const r = spawnSync(process.execPath, ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', ...execArgv, ENTRY, String(retransmitCheckKb), '100000'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as Alloc;
}

for (const kb of [64, 0]) {
  test(`in-order segments and their ACKs allocate nothing in the FlowTable (retransmit_check_kb ${kb})`, () => {
    const m = measure(kb);
    assert.equal(m.gcDuringLoop, 0, 'a collection ran inside the measured loop: the figure would hide allocations');
    assert.ok(m.segments >= 100000 && m.events > m.segments / 2 - 1, `${m.segments} segments, ${m.events} events`);
    // Slack for the run's constant costs (optimised code, feedback: < 0.5 byte per segment over
    // 100,000 segments); one object per segment is at least 16 bytes, a delivered segment's copy 512.
    assert.ok(m.heapPerSegment < 2, `heap grew ${m.heapPerSegment.toFixed(2)} bytes per segment`);
    assert.equal(m.arrayBuffersPerSegment, 0, 'buffer bytes per segment');
  });
}
