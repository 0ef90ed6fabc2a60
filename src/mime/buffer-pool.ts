// Reuse of the large fixed buffers a parser allocates per message and per part (the 64 KiB input
// block, the 32 KiB batch, the 4 KiB sniff head): one free list per size, at most POOL_MAX each.
// Buffers of that size or more are off the Buffer slab, so each allocation is a new ArrayBuffer
// and GC work that the benchmark showed at a few percent. Owns the free lists (module-wide).

/** Free buffers kept per size: enough for the parsers of one thread, bounded so idle memory is too. */
const POOL_MAX = 16;
const free = new Map<number, Buffer[]>();

/** A buffer of exactly `size` bytes, contents undefined (reused or new). */
export function acquireBuffer(size: number): Buffer {
  const list = free.get(size);
  const b = list?.pop();
  return b ?? Buffer.allocUnsafe(size);
}

/** Gives a buffer back; the caller must not touch it afterwards. */
export function releaseBuffer(buf: Buffer): void {
  let list = free.get(buf.length);
  if (list === undefined) {
    list = [];
    free.set(buf.length, list);
  }
  if (list.length < POOL_MAX) list.push(buf);
}
