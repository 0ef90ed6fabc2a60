// Input mutators of the coverage-guided fuzzer (libFuzzer/AFL's set): bit and byte flips,
// interesting values, arithmetic, insert/delete/duplicate ranges, dictionary tokens and splicing
// two corpus entries, stacked 1-16 deep. Pure apart from the caller's Rng; produces a new Buffer.
import type { Rng } from './rng.js';

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x0d, 0x20, 0x2e, 0x2d, 0x3d];
const INTERESTING_16 = [0, 1, 0x7fff, 0x8000, 0xffff, 0x0100, 0x05dc, 0x0800, 0x86dd, 0x8100];
const INTERESTING_32 = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x00010000, 0x0000ffff, 0xfffffffe];

export interface MutationContext {
  rng: Rng;
  corpus: readonly Buffer[];
  dictionary: readonly Buffer[];
  maxLen: number;
}

function insert(b: Buffer, at: number, piece: Buffer): Buffer {
  return Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);
}

function randomBytes(rng: Rng, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = rng.next() & 0xff;
  return out;
}

/** A range [start, start+len) of b with len >= 1, biased to short ranges; b must be non-empty. */
function range(rng: Rng, b: Buffer): [number, number] {
  const start = rng.below(b.length);
  const room = b.length - start;
  const len = 1 + rng.below(rng.oneIn(4) ? room : Math.min(room, 16));
  return [start, len];
}

function writeInteresting(rng: Rng, b: Buffer, width: 2 | 4): void {
  if (b.length < width) return;
  const at = rng.below(b.length - width + 1);
  const be = rng.oneIn(2);
  if (width === 2) {
    const v = rng.oneIn(3) ? b.length & 0xffff : rng.pick(INTERESTING_16);
    if (be) b.writeUInt16BE(v, at);
    else b.writeUInt16LE(v, at);
  } else {
    const v = rng.oneIn(3) ? b.length >>> 0 : rng.pick(INTERESTING_32);
    if (be) b.writeUInt32BE(v >>> 0, at);
    else b.writeUInt32LE(v >>> 0, at);
  }
}

function mutateOnce(ctx: MutationContext, input: Buffer): Buffer {
  const { rng } = ctx;
  let b = input;
  const op = rng.below(b.length === 0 ? 3 : 13);
  switch (op) {
    case 0: // insert random bytes
      return insert(b, rng.below(b.length + 1), randomBytes(rng, 1 + rng.below(rng.oneIn(8) ? 256 : 8)));
    case 1: // insert a dictionary token
      return ctx.dictionary.length === 0 ? b : insert(b, rng.below(b.length + 1), rng.pick(ctx.dictionary));
    case 2: { // splice with another corpus entry
      const other = rng.pick(ctx.corpus);
      if (other === undefined || other.length === 0) return b;
      const cut = rng.below(b.length + 1);
      const from = rng.below(other.length);
      return Buffer.concat([b.subarray(0, cut), other.subarray(from)]);
    }
    case 3: // flip one bit
      b = Buffer.from(b);
      b[rng.below(b.length)]! ^= 1 << rng.below(8);
      return b;
    case 4: // random byte
      b = Buffer.from(b);
      b[rng.below(b.length)] = rng.next() & 0xff;
      return b;
    case 5: // interesting byte
      b = Buffer.from(b);
      b[rng.below(b.length)] = rng.pick(INTERESTING_8);
      return b;
    case 6: // interesting 16-bit value (lengths, ethertypes)
      b = Buffer.from(b);
      writeInteresting(rng, b, 2);
      return b;
    case 7: // interesting 32-bit value (sequence numbers, record lengths)
      b = Buffer.from(b);
      writeInteresting(rng, b, 4);
      return b;
    case 8: { // small arithmetic on a byte
      b = Buffer.from(b);
      const at = rng.below(b.length);
      b[at] = (b[at]! + (rng.oneIn(2) ? 1 : -1) * (1 + rng.below(16))) & 0xff;
      return b;
    }
    case 9: { // delete a range
      const [s, n] = range(rng, b);
      return Buffer.concat([b.subarray(0, s), b.subarray(s + n)]);
    }
    case 10: { // duplicate a range somewhere
      const [s, n] = range(rng, b);
      return insert(b, rng.below(b.length + 1), Buffer.from(b.subarray(s, s + n)));
    }
    case 11: { // overwrite with a dictionary token
      if (ctx.dictionary.length === 0) return b;
      const tok = rng.pick(ctx.dictionary);
      b = Buffer.from(b);
      tok.copy(b, rng.below(b.length));
      return b;
    }
    default: { // copy a range over another place
      const [s, n] = range(rng, b);
      b = Buffer.from(b);
      b.copy(b, rng.below(b.length), s, s + n);
      return b;
    }
  }
}

/** A mutant of `input`: 1-16 stacked mutations, cut to maxLen. */
export function mutate(ctx: MutationContext, input: Buffer): Buffer {
  let b = input;
  const depth = 1 << ctx.rng.below(5);
  for (let i = 0; i < depth; i++) b = mutateOnce(ctx, b);
  return b.length > ctx.maxLen ? b.subarray(0, ctx.maxLen) : b;
}
