// Fuzz target: the MIME message engine (src/mime is owned elsewhere: findings here are reported,
// not fixed). Tight limits (depth 4, 20 parts, 1 KiB header block, 200-byte lines) so every cap
// is reached. Input: byte 0 sets a chunk size (bits 0-6) and a 100-byte gap at the middle (bit
// 7), the rest is the message. Oracles: no throw; the same record whole and in chunks that are
// scribbled over after each write (BORROWED chunks); a gap is reported as mime_gap;
// attachments <= mime_parts, URLs <= urls_per_message, addresses <= addresses_per_header.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from './limits.js';
import type { LimitsConfig } from '../../../src/config/types.js';
import { makeMessageParserFactory } from '../../../src/mime/index.js';
import type { AddressRecord, MessageParser, MessageResult } from '../../../src/mime/types.js';
import { isAnomalyCode } from '../../../src/shared/anomalies.js';
import { fixture } from '../../helpers/paths.js';
import { oracle } from '../engine/target.js';
import type { FuzzTarget } from '../engine/target.js';

const limits: LimitsConfig = {
  ...DEFAULT_LIMITS,
  mime_depth: 4,
  mime_parts: 20,
  header_bytes: 1024,
  header_value_bytes: 256,
  line_length: 200,
  boundary_length: 70,
  urls_per_message: 5,
  addresses_per_header: 5,
};
const factory = makeMessageParserFactory({ limits, hashes: ['sha256'] });
const HEAD = 3072;
const TAIL = 1024;
const GAP_BYTES = 100;

function emlFiles(dir: string, out: string[]): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) emlFiles(join(dir, e.name), out);
    else if (e.name.endsWith('.eml')) out.push(join(dir, e.name));
  }
  return out;
}

/** Writes msg[from, to) in chunks copied into a scratch buffer scribbled over after each write. */
function writeChunks(p: MessageParser, msg: Buffer, from: number, to: number, chunk: number): void {
  if (chunk >= to - from) {
    if (to > from) p.write(msg.subarray(from, to));
    return;
  }
  const scratch = Buffer.allocUnsafe(chunk);
  for (let i = from; i < to; i += chunk) {
    const n = msg.copy(scratch, 0, i, Math.min(to, i + chunk));
    p.write(scratch.subarray(0, n));
    scratch.fill(0x41);
  }
}

/** The message in chunks, with a gap of `gap` bytes at its middle when gap > 0. */
function parse(msg: Buffer, chunk: number, gap: number): MessageResult {
  const p = factory({ mailFrom: 'a@example.org', srcIp: '192.0.2.1' });
  const mid = gap > 0 ? msg.length >> 1 : msg.length;
  writeChunks(p, msg, 0, mid, chunk);
  if (gap > 0) p.gap(gap);
  writeChunks(p, msg, mid, msg.length, chunk);
  return p.end();
}

function checkList(list: AddressRecord[] | undefined, what: string): void {
  oracle((list?.length ?? 0) <= limits.addresses_per_header, `${what}: ${list?.length} addresses > ${limits.addresses_per_header}`);
}

export const target: FuzzTarget = {
  name: 'mime',
  coverage: ['/src/mime/'],
  maxLen: HEAD + TAIL + 1,
  dictionary: [
    '\r\n', '\r\n\r\n', '--', '--b\r\n', '--b--\r\n', 'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n',
    'boundary=', 'boundary="', 'Content-Transfer-Encoding: base64\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n', '=?utf-8?B?',
    '=?iso-2022-jp?B?', '=?gb2312?Q?', '?=', '=\r\n', '=3D', '=ZZ', 'charset=', 'filename*0*=utf-8\'\'', 'filename*1=', 'name=',
    'Content-Disposition: attachment; filename=', 'From: ', 'To: ', 'Subject: ', '\r\n\t', ' ', 'http://', 'https://x.example/', '<',
    '>', '"', '(', ')', ';', '\x1b$B', 'PK\x03\x04', '%PDF-', 'MZ',
    // Issue 16's header facts: the fields, clause keywords and literals their parsers react to.
    'Received: from ', ' by ', ' with ', ' id ', ' for ', '[IPv6:', '[192.0.2.1]', 'helo=', 'Authentication-Results: ',
    'spf=pass ', 'header.d=', 'reason=', 'DKIM-Signature: ', 'h=', 'ARC-Seal: ',
  ],
  seeds() {
    const files = [...emlFiles(fixture('mime'), []), ...emlFiles(fixture('seed'), [])].sort();
    return files.map((f, i) => {
      const b = readFileSync(f);
      const msg = b.length <= HEAD + TAIL ? b : Buffer.concat([b.subarray(0, HEAD), b.subarray(b.length - TAIL)]);
      return Buffer.concat([Buffer.from([i * 29]), msg]);
    });
  },
  run(input) {
    if (input.length < 1) return;
    const msg = input.subarray(1);
    const o = input[0]!;
    const gap = (o & 0x80) !== 0 ? GAP_BYTES : 0;
    const chunk = 1 + (o & 0x7f) * 3;
    const whole = parse(msg, msg.length + 1, gap);
    const chunked = parse(msg, chunk, gap);
    const m = whole.message;
    oracle(m.attachments.length <= limits.mime_parts, `${m.attachments.length} attachments > mime_parts`);
    oracle((m.urls?.length ?? 0) <= limits.urls_per_message, `${m.urls?.length} urls > urls_per_message`);
    for (const k of ['from', 'sender', 'reply_to', 'to', 'cc', 'bcc'] as const) checkList(m[k], k);
    for (const a of whole.anomalies) oracle(isAnomalyCode(a), `unknown anomaly ${a}`);
    oracle(gap === 0 || whole.anomalies.includes('mime_gap'), 'a gap without mime_gap');
    oracle(JSON.stringify(whole) === JSON.stringify(chunked), `chunks of ${chunk} changed the record`);
  },
};
