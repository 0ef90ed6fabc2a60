// Fuzz target: the pcap and pcapng record readers (the contract file-source.ts drives). Input:
// byte 0 sets the read size, the rest is the head of a capture file. The bytes are parsed once
// whole and once arriving in reads of that size, as the file loop does. Oracles: no throw; a
// record never claims bytes it was not given; `needed` is bounded and larger than what it had
// (else the loop would spin); frames lie inside their record; both runs give the same frames.
import { PcapReader, isPcapMagic } from '../../../src/capture/pcap-format.js';
import { PcapngReader, isPcapngMagic } from '../../../src/capture/pcapng-format.js';
import { CORRUPT, DEFAULT_MAX_BLOCK_BYTES, NEED_MORE } from '../../../src/capture/record-reader.js';
import type { RecordReader } from '../../../src/capture/record-reader.js';
import type { RawFrame } from '../../../src/capture/types.js';
import { oracle } from '../engine/target.js';
import type { FuzzTarget } from '../engine/target.js';
import { captureFiles, readFile } from './corpus-seeds.js';

/** Bounded allocation: a record the loop grows its buffer for is at most one maximal block. */
const MAX_NEEDED = DEFAULT_MAX_BLOCK_BYTES;
const SEED_BYTES = 4096;
const frame: RawFrame = { tsMicros: 0, linkType: 0, caplen: 0, wirelen: 0, data: Buffer.alloc(0) };

/** Frames and how the file ended, as text (for comparing the whole and chunked runs). */
function parse(file: Buffer, readSize: number): string[] {
  const log: string[] = [];
  if (file.length < 4) return ['short'];
  const magic = file.readUInt32LE(0);
  const reader: RecordReader | null = isPcapMagic(magic) ? new PcapReader() : isPcapngMagic(magic) ? new PcapngReader() : null;
  if (reader === null) return ['not a capture'];
  let off = 0;
  let end = Math.min(file.length, readSize);
  for (;;) {
    const used = reader.next(file, off, end, frame);
    if (used === CORRUPT) {
      oracle(reader.error.length > 0, 'CORRUPT without a reason');
      log.push(`corrupt@${off}`);
      return log;
    }
    if (used === NEED_MORE) {
      oracle(reader.needed === 0 || reader.needed > end - off, `NEED_MORE with ${end - off} bytes but needed ${reader.needed}`);
      oracle(reader.needed <= MAX_NEEDED, `needed ${reader.needed} exceeds the largest block`);
      if (end === file.length) {
        log.push(reader.inHeader ? 'in-header' : off === end ? 'eof' : `truncated@${off}`);
        return log;
      }
      end = Math.min(file.length, end + readSize);
      continue;
    }
    oracle(used > 0 && used <= end - off, `consumed ${used} of ${end - off} bytes`);
    if (reader.frameReady) {
      const d = frame.data;
      oracle(d.buffer === file.buffer && d.byteOffset >= file.byteOffset + off && d.byteOffset + d.length <= file.byteOffset + off + used, 'frame outside its record');
      oracle(frame.caplen === d.length, 'caplen differs from the data length');
      oracle(Number.isFinite(frame.tsMicros), 'timestamp not finite');
      log.push(`${frame.tsMicros}/${frame.linkType}/${frame.caplen}/${frame.wirelen}/${d.toString('base64')}`);
    }
    off += used;
  }
}

export const target: FuzzTarget = {
  name: 'capture-file',
  coverage: ['/src/capture/'],
  maxLen: SEED_BYTES + 1,
  dictionary: [
    '\xd4\xc3\xb2\xa1', '\xa1\xb2\xc3\xd4', '\x4d\x3c\xb2\xa1', '\x34\xcd\xb2\xa1', '\x0a\x0d\x0d\x0a', '\x4d\x3c\x2b\x1a', '\x1a\x2b\x3c\x4d',
    '\x01\x00\x00\x00', '\x06\x00\x00\x00', '\x03\x00\x00\x00', '\x02\x00\x00\x00', '\x09\x00\x01\x09', '\x0e\x00\x08\x00', '\x02\x00\x04\x00',
    '\x00\x00\x04\x00', '\xff\xff\x00\x00',
  ],
  seeds() {
    return captureFiles().map((p, i) => Buffer.concat([Buffer.from([i * 37]), readFile(p).subarray(0, SEED_BYTES)]));
  },
  run(input) {
    if (input.length < 1) return;
    const file = input.subarray(1);
    const whole = parse(file, file.length + 1);
    const chunked = parse(file, 1 + input[0]! * 3);
    oracle(whole.join('\n') === chunked.join('\n'), 'read size changed the frames');
  },
};
