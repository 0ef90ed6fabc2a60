// The total size cap (extract.max_total_mb): bytes are reserved before they are written and
// released when a file is abandoned or turns out to be a duplicate, so the counter is what this
// process has stored. Owns a view of one shared BigInt64 updated with Atomics (several workers).

export class TotalBudget {
  private readonly used: BigInt64Array;
  private readonly max: bigint;

  constructor(maxBytes: number, shared?: SharedArrayBuffer) {
    this.used = new BigInt64Array(shared ?? new SharedArrayBuffer(8), 0, 1);
    this.max = BigInt(maxBytes);
  }

  /** Reserves `n` bytes; false (and nothing reserved) when that would pass the cap. */
  reserve(n: number): boolean {
    const b = BigInt(n);
    const before = Atomics.add(this.used, 0, b);
    if (before + b <= this.max) return true;
    Atomics.sub(this.used, 0, b);
    return false;
  }

  release(n: number): void {
    if (n > 0) Atomics.sub(this.used, 0, BigInt(n));
  }

  get usedBytes(): number {
    return Number(Atomics.load(this.used, 0));
  }
}
