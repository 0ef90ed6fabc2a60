// Targets with planted bugs, for the engine's own test (engine.test.ts): a crash any NUL byte
// triggers, and an endless loop on an input starting with "HA" (its seed). Not parsers: they
// prove that findings are caught, saved and replayable, and that the watchdog stops a hang.
import type { FuzzTarget } from '../engine/target.js';

export const plantedCrash: FuzzTarget = {
  name: 'planted-crash',
  coverage: ['/test/fuzz/targets/planted'],
  maxLen: 64,
  dictionary: [],
  seeds: () => [Buffer.from('abc')],
  run(input) {
    if (input.includes(0)) throw new RangeError('planted crash');
  },
};

export const plantedHang: FuzzTarget = {
  name: 'planted-hang',
  coverage: ['/test/fuzz/targets/planted'],
  maxLen: 64,
  dictionary: [],
  seeds: () => [Buffer.from('HA')],
  run(input) {
    let spins = 0;
    while (input[0] === 0x48 && input[1] === 0x41) spins++;
    if (spins < 0) throw new Error('unreachable');
  },
};
