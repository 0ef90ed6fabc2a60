// Micro benchmark: decodePacket on a typical Ethernet/IPv4/TCP data frame (timestamps option,
// 1,200-byte payload), with and without checksum verification. Prints decodes/s; not a test.
// Run: node --import tsx test/bench/decode-bench.ts
import { decodePacket, newDecodedSegment } from '../../src/decode/decode-packet.js';
import { LinkType } from '../../src/capture/types.js';
import { ethernet, rawFrame, tcp4, tcp6 } from '../helpers/frames.js';

const TS_OPTION = Buffer.from('0101080a0000000100000002', 'hex');
const payload = Buffer.alloc(1200, 0x61);
const CASES = [
  ['Ethernet/IPv4/TCP 1200 B', rawFrame(ethernet(tcp4({ options: TS_OPTION, payload })), LinkType.ETHERNET)],
  ['Ethernet/IPv4/TCP pure ACK', rawFrame(ethernet(tcp4({ options: TS_OPTION }), { padTo: 60 }), LinkType.ETHERNET)],
  ['Ethernet/VLAN/IPv6/TCP 1200 B', rawFrame(ethernet(tcp6({ options: TS_OPTION, payload }), { vlans: [{ id: 7 }] }), LinkType.ETHERNET)],
] as const;

const ITERATIONS = 2_000_000;
const out = newDecodedSegment();

for (const [name, frame] of CASES) {
  for (const verify of [false, true]) {
    const n = verify ? ITERATIONS / 10 : ITERATIONS;
    for (let i = 0; i < n / 10; i++) decodePacket(frame, out, verify); // warm-up
    let failures = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (decodePacket(frame, out, verify) !== null) failures++;
    const ns = Number(process.hrtime.bigint() - start);
    const rate = Math.round((n / ns) * 1e9);
    console.log(`${name.padEnd(32)} verify=${String(verify).padEnd(5)} ${rate.toLocaleString('en-US').padStart(12)} decodes/s${failures > 0 ? ` (${failures} failed!)` : ''}`);
  }
}
