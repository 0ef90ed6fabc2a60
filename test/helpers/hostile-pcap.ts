// Streaming classic-pcap writer for the hostile-input tests: Ethernet/IPv4/TCP frames written
// straight into 1 MiB chunks (no Buffer.concat per packet), so captures of a GiB or a million
// packets are generated on the fly into a child's stdin and never held whole. Owns the chunk being
// filled, the list of finished chunks and the packet clock; TcpConn tracks one connection's seqs.
// TCP checksums are left 0: mailtap only checks them with capture.verify_checksums (off by default,
// and never turned on by these tests); IPv4 header checksums are correct.

const CHUNK = 1 << 20;
const ETH_IP_TCP = 14 + 20 + 20;

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export interface TcpFrame {
  src: number;
  dst: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  payload?: Buffer;
  /** Bytes of the frame kept in the record (snaplen cut); default the whole frame. */
  caplen?: number;
}

export function ip4(text: string): number {
  const p = text.split('.').map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export class PcapWriter {
  /** Packet time of the next record, µs; advanced by `stepMicros` per record. */
  clock = 1_700_000_000_000_000;
  stepMicros = 1;
  /** Finished chunks, taken by the runner. */
  readonly ready: Buffer[] = [];
  readyBytes = 0;
  frames = 0;
  bytes = 0;
  private buf = Buffer.allocUnsafe(CHUNK);
  private off = 0;

  constructor(snaplen = 262144, linkType = 1) {
    this.buf.writeUInt32LE(0xa1b2c3d4, 0);
    this.buf.writeUInt16LE(2, 4);
    this.buf.writeUInt16LE(4, 6);
    this.buf.writeUInt32LE(0, 8);
    this.buf.writeUInt32LE(0, 12);
    this.buf.writeUInt32LE(snaplen, 16);
    this.buf.writeUInt32LE(linkType, 20);
    this.off = 24;
  }

  /** Room for `n` more bytes in the current chunk (a record larger than a chunk gets its own). */
  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(n);
  }

  /** Moves the filled part of the current chunk to `ready`. */
  flush(): void {
    if (this.off === 0) return;
    this.ready.push(this.buf.subarray(0, this.off));
    this.readyBytes += this.off;
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.off = 0;
  }

  take(): Buffer[] {
    const out = this.ready.splice(0, this.ready.length);
    this.readyBytes = 0;
    return out;
  }

  private recordHeader(caplen: number, wirelen: number): void {
    const ts = this.clock;
    this.clock += this.stepMicros;
    const b = this.buf;
    b.writeUInt32LE(Math.floor(ts / 1_000_000), this.off);
    b.writeUInt32LE(ts % 1_000_000, this.off + 4);
    b.writeUInt32LE(caplen, this.off + 8);
    b.writeUInt32LE(wirelen, this.off + 12);
    this.off += 16;
    this.frames++;
    this.bytes += 16 + caplen;
  }

  /** Any frame bytes as one record. */
  raw(frame: Buffer, wirelen = frame.length): void {
    this.room(16 + frame.length);
    this.recordHeader(frame.length, wirelen);
    frame.copy(this.buf, this.off);
    this.off += frame.length;
  }

  /** Raw bytes with no record header (a capture cut mid-record, garbage after the header). */
  bytesRaw(b: Buffer): void {
    this.room(b.length);
    b.copy(this.buf, this.off);
    this.off += b.length;
    this.bytes += b.length;
  }

  /** Ethernet + IPv4 + TCP (20-byte header, no options) + payload. */
  tcp(f: TcpFrame): void {
    const plen = f.payload === undefined ? 0 : f.payload.length;
    const wirelen = ETH_IP_TCP + plen;
    const caplen = f.caplen === undefined || f.caplen > wirelen ? wirelen : f.caplen;
    this.room(16 + wirelen);
    this.recordHeader(caplen, wirelen);
    const b = this.buf;
    const o = this.off;
    // Ethernet: fixed MACs, EtherType IPv4.
    b.writeUInt32BE(0x02000000, o);
    b.writeUInt32BE(0x00010200, o + 4);
    b.writeUInt32BE(0x00000002, o + 8);
    b.writeUInt16BE(0x0800, o + 12);
    const ip = o + 14;
    b.writeUInt32BE(((0x45 << 24) | (20 + 20 + plen)) >>> 0, ip);
    b.writeUInt32BE(0x00004000, ip + 4); // id 0, DF
    b.writeUInt32BE(0x40060000, ip + 8); // TTL 64, TCP, checksum 0 for now
    b.writeUInt32BE(f.src >>> 0, ip + 12);
    b.writeUInt32BE(f.dst >>> 0, ip + 16);
    let sum = 0;
    for (let i = 0; i < 20; i += 2) sum += b.readUInt16BE(ip + i);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    b.writeUInt16BE(~sum & 0xffff, ip + 10);
    const t = ip + 20;
    b.writeUInt16BE(f.sport, t);
    b.writeUInt16BE(f.dport, t + 2);
    b.writeUInt32BE(f.seq >>> 0, t + 4);
    b.writeUInt32BE(f.ack >>> 0, t + 8);
    b.writeUInt16BE((5 << 12) | (f.flags & 0x3f), t + 12);
    b.writeUInt16BE(65535, t + 14);
    b.writeUInt32BE(0, t + 16); // checksum 0 (see header), urgent 0
    if (f.payload !== undefined) f.payload.copy(b, t + 20);
    this.off += caplen;
  }
}

/**
 * One TCP connection with automatic sequence numbers: `c()` / `s()` send the next bytes of each
 * side, acknowledging everything the peer sent so far.
 */
export class TcpConn {
  cNext: number;
  sNext: number;
  constructor(
    readonly w: PcapWriter,
    readonly client: number,
    readonly server: number,
    readonly cport: number,
    readonly sport = 25,
    cIsn = 1000,
    sIsn = 5000,
  ) {
    this.cNext = cIsn;
    this.sNext = sIsn;
  }

  handshake(): void {
    this.syn();
    this.w.tcp({ src: this.server, dst: this.client, sport: this.sport, dport: this.cport, seq: this.sNext, ack: (this.cNext + 0) >>> 0, flags: SYN | ACK });
    this.sNext = (this.sNext + 1) >>> 0;
    this.w.tcp({ src: this.client, dst: this.server, sport: this.cport, dport: this.sport, seq: this.cNext, ack: this.sNext, flags: ACK });
  }

  /** The client's SYN alone (half-open when nothing follows). */
  syn(): void {
    this.w.tcp({ src: this.client, dst: this.server, sport: this.cport, dport: this.sport, seq: this.cNext, ack: 0, flags: SYN });
    this.cNext = (this.cNext + 1) >>> 0;
  }

  /** Client bytes at the current sequence number (`seqDelta` shifts it without moving cNext). */
  c(payload: Buffer, opts: { seqDelta?: number; caplen?: number; advance?: boolean } = {}): void {
    const seq = (this.cNext + (opts.seqDelta ?? 0)) >>> 0;
    this.w.tcp({ src: this.client, dst: this.server, sport: this.cport, dport: this.sport, seq, ack: this.sNext, flags: ACK | PSH, payload, ...(opts.caplen === undefined ? {} : { caplen: opts.caplen }) });
    if (opts.advance !== false) this.cNext = (this.cNext + payload.length) >>> 0;
  }

  s(payload: Buffer): void {
    this.w.tcp({ src: this.server, dst: this.client, sport: this.sport, dport: this.cport, seq: this.sNext, ack: this.cNext, flags: ACK | PSH, payload });
    this.sNext = (this.sNext + payload.length) >>> 0;
  }

  /** FIN from each side, then the last ACK. */
  close(): void {
    this.w.tcp({ src: this.client, dst: this.server, sport: this.cport, dport: this.sport, seq: this.cNext, ack: this.sNext, flags: FIN | ACK });
    this.cNext = (this.cNext + 1) >>> 0;
    this.w.tcp({ src: this.server, dst: this.client, sport: this.sport, dport: this.cport, seq: this.sNext, ack: this.cNext, flags: FIN | ACK });
    this.sNext = (this.sNext + 1) >>> 0;
    this.w.tcp({ src: this.client, dst: this.server, sport: this.cport, dport: this.sport, seq: this.cNext, ack: this.sNext, flags: ACK });
  }
}
