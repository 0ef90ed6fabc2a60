// Seed material for the fuzz targets, taken from the corpus and seed captures with mailtap's own
// readers: the frames of each capture (link type + bytes), and the reassembled per-connection
// event sequences (data in each direction, gaps) that the SMTP engine would see.
import { readFileSync } from 'node:fs';
import { PcapReader, isPcapMagic } from '../../../src/capture/pcap-format.js';
import { PcapngReader, isPcapngMagic } from '../../../src/capture/pcapng-format.js';
import { CORRUPT, NEED_MORE } from '../../../src/capture/record-reader.js';
import type { RecordReader } from '../../../src/capture/record-reader.js';
import type { RawFrame } from '../../../src/capture/types.js';
import { decodePacket, newDecodedSegment } from '../../../src/decode/decode-packet.js';
import type { DecodedSegment } from '../../../src/decode/types.js';
import { FlowTable } from '../../../src/flow/flow-table.js';
import type { Direction, StreamEvent } from '../../../src/flow/types.js';
import { allCaptures } from '../../helpers/captures.js';
import { DEFAULT_FLOWS } from './limits.js';

export interface SeedFrame {
  linkType: number;
  data: Buffer;
}

export function captureFiles(): string[] {
  return allCaptures();
}

/** Every frame of a capture file, copied. */
export function readFrames(file: Buffer): SeedFrame[] {
  const magic = file.readUInt32LE(0);
  const reader: RecordReader | null = isPcapMagic(magic) ? new PcapReader() : isPcapngMagic(magic) ? new PcapngReader() : null;
  if (reader === null) return [];
  const frame: RawFrame = { tsMicros: 0, linkType: 0, caplen: 0, wirelen: 0, data: Buffer.alloc(0) };
  const out: SeedFrame[] = [];
  let off = 0;
  for (;;) {
    const used = reader.next(file, off, file.length, frame);
    if (used === NEED_MORE || used === CORRUPT) break;
    off += used;
    if (reader.frameReady) out.push({ linkType: frame.linkType, data: Buffer.from(frame.data) });
  }
  return out;
}

/** The decoded TCP segments of a capture (payloads and IPv6 addresses copied). */
export function readSegments(file: Buffer): DecodedSegment[] {
  const out: DecodedSegment[] = [];
  const seg = newDecodedSegment();
  for (const f of readFrames(file)) {
    const raw: RawFrame = { tsMicros: 0, linkType: f.linkType, caplen: f.data.length, wirelen: f.data.length, data: f.data };
    if (decodePacket(raw, seg, false) !== null) continue;
    out.push({
      ...seg,
      srcIp6: seg.srcIp6 && Buffer.from(seg.srcIp6),
      dstIp6: seg.dstIp6 && Buffer.from(seg.dstIp6),
      payload: Buffer.from(seg.payload),
    });
  }
  return out;
}

export type StreamStep = { dir: Direction; bytes: Buffer } | { dir: Direction; gap: number };

/** Per connection with data, its in-order data and gap events as the SMTP engine receives them. */
export function readStreams(file: Buffer): StreamStep[][] {
  const flows = new Map<number, StreamStep[]>();
  const sink = {
    onEvent(ev: StreamEvent): void {
      if (ev.t !== 'data' && ev.t !== 'gap') return;
      let steps = flows.get(ev.flow);
      if (steps === undefined) flows.set(ev.flow, (steps = []));
      steps.push(ev.t === 'data' ? { dir: ev.dir, bytes: Buffer.from(ev.bytes) } : { dir: ev.dir, gap: ev.len });
    },
  };
  const ft = new FlowTable({ flows: DEFAULT_FLOWS, smtpPorts: [25, 465, 587, 2525] }, sink);
  for (const s of readSegments(file)) ft.onSegment(s);
  ft.closeAll('eof');
  return [...flows.values()];
}

export function readFile(path: string): Buffer {
  return readFileSync(path);
}
