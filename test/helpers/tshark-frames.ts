// Per-frame TCP facts from tshark (an independent dissector): endpoints, payload length and bytes,
// relative sequence number and the Ethernet padding/trailer, for explaining where a reference tool
// and mailtap differ.
import { execFileSync } from 'node:child_process';

export interface TsharkFrame {
  frame: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** TCP payload length from the IP length fields. */
  len: number;
  /** Relative sequence number (1 = first byte after the SYN). */
  seq: number;
  payload: Buffer;
  /** Bytes after the IP datagram in the Ethernet frame: padding to 60 bytes or a trailer, then the FCS when captured. */
  padding: Buffer;
}

export function tsharkFrames(file: string): TsharkFrame[] {
  const fields = ['frame.number', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.len', 'tcp.seq', 'tcp.payload', 'eth.padding', 'eth.trailer', 'eth.fcs'];
  const out = execFileSync('tshark', ['-n', '-r', file, '-Y', 'tcp', '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const frames: TsharkFrame[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [num, s4, s6, sp, d4, d6, dp, len, seq, payload, padding, trailer, fcs] = line.split('\t');
    frames.push({
      frame: Number(num),
      src: s4 || s6 || '',
      srcPort: Number(sp),
      dst: d4 || d6 || '',
      dstPort: Number(dp),
      len: Number(len),
      seq: Number(seq),
      payload: Buffer.from((payload ?? '').replace(/:/g, ''), 'hex'),
      padding: Buffer.from(`${(padding || trailer) ?? ''}${fcs ? fcs.replace(/^0x/, '').padStart(8, '0') : ''}`.replace(/:/g, ''), 'hex'),
    });
  }
  return frames;
}
