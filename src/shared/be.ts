// Fixed-width integer reads for the packet decoders and the capture file readers. Callers guard the
// bounds first (every decoder checks the captured length before reading, the pcap reader the record
// header's), so these skip Buffer.read*'s argument validation and range checks on the hot path.
// Pure; no state.

/** Unsigned 16-bit big-endian at `off`; the caller has checked off + 2 <= buf.length. */
export function be16(buf: Buffer, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

/** Unsigned 32-bit big-endian at `off`; the caller has checked off + 4 <= buf.length. */
export function be32(buf: Buffer, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/** Unsigned 32-bit little-endian at `off` (BSD NULL link header in host order, pcap record headers). */
export function le32(buf: Buffer, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}
