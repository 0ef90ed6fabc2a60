// Fuzz target: the SMTP session engine on one connection's reassembled streams, with tight limits
// (128-byte lines, 8 pending commands, 4 recipients, 3 transactions). Input: byte 0 sets the port
// (bit 0), midstream (bit 1), a chunk size (bits 2-5) and what recognition found (bit 6: implicit
// TLS; bit 7: HTTP CONNECT preambles on both sides, smtp/start-flags.ts: the session is made only
// for a flow the main thread recognised, issue 12 item 2); then records: a control byte (bit 7:
// server side; low 7 bits: length of the data that follows, or 0x7f: a gap of u16+1 bytes).
// Oracles: no throw; the pending FIFO <= limits.pending_commands and each line carry <= the line
// limit + 1 after every chunk; exactly one session; the same facts when each record arrives in
// chunks of the chosen size (split invariance).
import { DEFAULT_LIMITS } from './limits.js';
import type { LimitsConfig } from '../../../src/config/types.js';
import type { Direction, FlowOpenInfo, FlowSummary } from '../../../src/flow/types.js';
import { SmtpSession } from '../../../src/smtp/session.js';
import { START_CLIENT_PREAMBLE, START_IMPLICIT_TLS, START_SERVER_PREAMBLE } from '../../../src/smtp/start-flags.js';
import type { SmtpCounters, SmtpOutput } from '../../../src/smtp/types.js';
import { stubBytes, stubMessageParsers } from '../../helpers/stub-message-parser.js';
import { sessionInternals } from '../../helpers/session-internals.js';
import { oracle } from '../engine/target.js';
import type { FuzzTarget } from '../engine/target.js';
import { captureFiles, readFile, readStreams } from './corpus-seeds.js';
import type { StreamStep } from './corpus-seeds.js';

const T0 = 1_700_000_000_000_000;
const GAP = 0x7f;
const SERVER = 0x80;
const limits: LimitsConfig = { ...DEFAULT_LIMITS, line_length: 128, pending_commands: 8, recipients: 4, transactions: 3 };

type Rec = { dir: Direction; bytes: Buffer } | { dir: Direction; gap: number };

function decode(input: Buffer): Rec[] {
  const out: Rec[] = [];
  let off = 1;
  while (off < input.length) {
    const ctl = input[off++]!;
    const dir: Direction = (ctl & SERVER) !== 0 ? 's2c' : 'c2s';
    const n = ctl & 0x7f;
    if (n === GAP) {
      if (off + 2 > input.length) break;
      out.push({ dir, gap: input.readUInt16BE(off) + 1 });
      off += 2;
    } else {
      out.push({ dir, bytes: input.subarray(off, off + n) });
      off += n;
    }
  }
  return out;
}

export function encodeSteps(steps: readonly StreamStep[], opts = 0x01): Buffer {
  const parts: Buffer[] = [Buffer.from([opts])];
  for (const s of steps) {
    const side = s.dir === 's2c' ? SERVER : 0;
    if ('gap' in s) {
      const g = Buffer.alloc(3);
      g[0] = side | GAP;
      g.writeUInt16BE(Math.min(0xffff, s.gap - 1), 1);
      parts.push(g);
      continue;
    }
    for (let i = 0; i < s.bytes.length; i += GAP - 1) {
      const piece = s.bytes.subarray(i, i + GAP - 1);
      parts.push(Buffer.from([side | piece.length]), piece);
    }
  }
  return Buffer.concat(parts);
}

function execute(recs: readonly Rec[], port: number, midstream: boolean, start: number, chunk: number): string {
  const facts: unknown[] = [];
  const stub = stubMessageParsers();
  const out: SmtpOutput = {
    transaction: (t) => facts.push(['tx', t]),
    session: (s) => facts.push(['session', s]),
    anomaly: (name, ts, detail) => facts.push(['anomaly', name, ts, detail]),
  };
  const counters: SmtpCounters = { command: () => undefined, reply: () => undefined, auth: () => undefined };
  const info: FlowOpenInfo = {
    flow: 1,
    uid: 'Cfuzz',
    communityId: '1:fuzz',
    client: { ip: '192.0.2.10', port: 40000 },
    server: { ip: '198.51.100.25', port },
    vlan: [],
    midstream,
  };
  const session = new SmtpSession(info, { limits, logPasswords: false, newMessageParser: stub.factory }, out, counters, start);
  const inner = sessionInternals(session);
  const summary: FlowSummary = { startMicros: T0, endMicros: T0, bytesClient: 0, bytesServer: 0, gapBytes: 0, midstream, oneSided: null };
  recs.forEach((r, i) => {
    const ts = T0 + i * 1000;
    if ('gap' in r) {
      summary.gapBytes += r.gap;
      session.onGap(r.dir, r.gap, ts);
      return;
    }
    if (r.dir === 'c2s') summary.bytesClient += r.bytes.length;
    else summary.bytesServer += r.bytes.length;
    for (let k = 0; k < r.bytes.length; k += chunk) {
      session.onData(r.dir, r.bytes.subarray(k, k + chunk), ts);
      oracle(inner.pending.length <= limits.pending_commands, `pending FIFO ${inner.pending.length} > ${limits.pending_commands}`);
      oracle(inner.client.pending <= limits.line_length + 1 && inner.server.pending <= limits.line_length + 1, 'line carry beyond the line limit');
    }
  });
  summary.endMicros = T0 + recs.length * 1000;
  session.onClose('fin', summary, summary.endMicros);
  const sessions = facts.filter((f) => Array.isArray(f) && f[0] === 'session').length;
  oracle(sessions === 1, `${sessions} sessions`);
  facts.push(['messages', stub.messages.map((m) => [stubBytes(m).toString('latin1'), m.gaps, m.ended])]);
  return JSON.stringify(facts);
}

function check(input: Buffer): void {
  if (input.length < 1) return;
  const o = input[0]!;
  const recs = decode(input);
  const port = (o & 1) === 1 ? 25 : 8025;
  const midstream = (o & 2) !== 0;
  const chunk = 1 + ((o >> 2) & 15);
  const start = ((o & 0x40) !== 0 ? START_IMPLICIT_TLS : 0) | ((o & 0x80) !== 0 ? START_CLIENT_PREAMBLE | START_SERVER_PREAMBLE : 0);
  const whole = execute(recs, port, midstream, start, Number.MAX_SAFE_INTEGER);
  const chunked = execute(recs, port, midstream, start, chunk);
  oracle(whole === chunked, `chunks of ${chunk} changed the facts`);
}

export const target: FuzzTarget = {
  name: 'smtp-session',
  coverage: ['/src/smtp/'],
  maxLen: 4096,
  dictionary: [
    'EHLO x\r\n', 'HELO x\r\n', 'MAIL FROM:<a@b>\r\n', 'RCPT TO:<c@d>\r\n', 'DATA\r\n', '\r\n.\r\n', '\n.\n', '\r.\r', 'BDAT ', ' LAST\r\n',
    'BDAT 18446744073709551616\r\n', 'RSET\r\n', 'QUIT\r\n', 'NOOP\r\n', 'STARTTLS\r\n', 'AUTH LOGIN\r\n', 'AUTH PLAIN ', 'AUTH NTLM ',
    'AUTH CRAM-MD5\r\n', '*\r\n', '220 ', '250 ', '250-', '354 ', '334 ', '235 ', '535 ', '421 ', '221 ', '503 ', '\x16\x03\x01',
    'CONNECT a:25 HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n', ' SIZE=', ' BODY=8BITMIME', '\x7f\x00\x10', '\xff\x7f\x00\x10',
  ],
  seeds() {
    const seeds: Buffer[] = [];
    for (const path of captureFiles()) {
      for (const steps of readStreams(readFile(path))) seeds.push(encodeSteps(steps, seeds.length & 0x3d).subarray(0, this.maxLen));
    }
    return seeds;
  },
  run(input) {
    check(input);
  },
};
