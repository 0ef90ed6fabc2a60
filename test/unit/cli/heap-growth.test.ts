// The heap growing default (cli/heap-growth.ts) is set unless the operator gave node's own flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEAP_GROWING_PERCENT, tuneHeapGrowth } from '../../../src/cli/heap-growth.js';

test('an operator flag for the heap growing factor is left alone, in every spelling node takes', () => {
  for (const argv of [['--heap-growing-percent=10'], ['--heap-growing-percent', '10'], ['--heap_growing_percent=10'], ['--inspect', '--heap-growing-percent=0']]) {
    assert.equal(tuneHeapGrowth(argv), false, argv.join(' '));
  }
});

test('without one, mailtap sets its default (the heap grows to 1.5x its live data)', () => {
  assert.equal(HEAP_GROWING_PERCENT, 50);
  assert.equal(tuneHeapGrowth([]), true);
  assert.equal(tuneHeapGrowth(['--enable-source-maps', '--max-old-space-size=4096']), true);
});
