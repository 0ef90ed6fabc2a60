// Literal byte scripts for the SMTP session engine: a list of client/server byte steps and gaps,
// replayed through SmtpSession with a recording output, whole, split at every byte offset, or in
// random chunks. Tests assert the facts a script produces and that chunking never changes them.
// As in mailtap (issue 12 item 2), SmtpRecognizer decides first, the way the main thread's gate
// does (dispatch/smtp-gate.ts): input is held (copied) until the verdict; `smtp` makes the session
// with the verdict's start flags and replays the held input; `not_smtp`, or the close while still
// pending, is one smtp_not_smtp (counted in `notSmtp`) and no session.
import assert from 'node:assert/strict';
import { defaultConfig } from '../../src/config/schema.js';
import type { LimitsConfig } from '../../src/config/types.js';
import type { CloseReason, Direction, FlowOpenInfo, FlowSummary, OneSided } from '../../src/flow/types.js';
import type { AnomalyCode } from '../../src/shared/anomalies.js';
import { SMTPS_PORT, SmtpRecognizer } from '../../src/smtp/recognize.js';
import type { Recognition } from '../../src/smtp/recognize.js';
import { SmtpSession } from '../../src/smtp/session.js';
import type { AuthResult, SessionFacts, SmtpCounters, SmtpOutput, TransactionFacts } from '../../src/smtp/types.js';
import { stubBytes, stubMessageParsers } from './stub-message-parser.js';

export type Step = { c: string | Buffer } | { s: string | Buffer } | { gap: Direction; len: number };

export interface ScriptOptions {
  serverPort?: number;
  smtpPorts?: number[];
  midstream?: boolean;
  limits?: Partial<LimitsConfig>;
  logPasswords?: boolean;
  close?: CloseReason;
  parserAnomalies?: AnomalyCode[];
}

export interface RecordedAnomaly {
  name: AnomalyCode;
  tsMicros: number;
  detail: string | undefined;
}

export interface ScriptResult {
  transactions: TransactionFacts[];
  sessions: SessionFacts[];
  anomalies: RecordedAnomaly[];
  notSmtp: number;
  commands: string[];
  replies: number[];
  auths: [string, AuthResult, boolean][];
  messages: { bytes: string; gaps: number[]; mailFrom: string | undefined; srcIp: string; dstIp: string | undefined; ended: number }[];
}

/** Splits one step's bytes into the chunks delivered to the session. */
export type Chunker = (stepIndex: number, bytes: Buffer) => Buffer[];

const T0 = 1_700_000_000_000_000;

function stepBytes(step: Step): Buffer | null {
  if ('c' in step) return Buffer.isBuffer(step.c) ? step.c : Buffer.from(step.c, 'latin1');
  if ('s' in step) return Buffer.isBuffer(step.s) ? step.s : Buffer.from(step.s, 'latin1');
  return null;
}

export function runScript(steps: readonly Step[], opts: ScriptOptions = {}, chunker?: Chunker): ScriptResult {
  const res: ScriptResult = { transactions: [], sessions: [], anomalies: [], notSmtp: 0, commands: [], replies: [], auths: [], messages: [] };
  const stub = stubMessageParsers(opts.parserAnomalies);
  const out: SmtpOutput = {
    transaction: (t) => res.transactions.push(t),
    session: (s) => res.sessions.push(s),
    anomaly: (name, tsMicros, detail) => res.anomalies.push({ name, tsMicros, detail }),
  };
  const counters: SmtpCounters = {
    command: (v) => res.commands.push(v),
    reply: (c) => res.replies.push(c),
    auth: (m, r, c) => res.auths.push([m, r, c]),
  };
  const serverPort = opts.serverPort ?? 25;
  const info: FlowOpenInfo = {
    flow: 1,
    uid: 'Ctest',
    communityId: '1:test',
    client: { ip: '192.0.2.10', port: 1470 },
    server: { ip: '198.51.100.25', port: serverPort },
    vlan: [],
    midstream: opts.midstream ?? false,
  };
  const limits: LimitsConfig = { ...defaultConfig().limits, ...opts.limits };
  const smtpPorts = opts.smtpPorts ?? [25, 465, 587, 2525];
  const recognizer = new SmtpRecognizer(smtpPorts.includes(serverPort), serverPort === SMTPS_PORT);
  let verdict: Recognition = 'pending';
  let held: { dir: Direction; bytes: Buffer | null; len: number; ts: number }[] = [];
  let engine: SmtpSession | null = null;
  const notSmtp = (ts: number): void => {
    verdict = 'not_smtp';
    held = [];
    res.notSmtp++;
    res.anomalies.push({ name: 'smtp_not_smtp', tsMicros: ts, detail: undefined });
  };
  const accept = (): SmtpSession => {
    verdict = 'smtp';
    engine = new SmtpSession(info, { limits, logPasswords: opts.logPasswords ?? false, newMessageParser: stub.factory }, out, counters, recognizer.startFlags);
    for (const h of held) {
      if (h.bytes === null) engine.onGap(h.dir, h.len, h.ts);
      else engine.onData(h.dir, h.bytes, h.ts);
    }
    held = [];
    return engine;
  };
  const session = {
    onData(dir: Direction, chunk: Buffer, ts: number): void {
      if (verdict === 'pending') {
        const r = recognizer.feed(dir, chunk);
        if (r === 'pending') held.push({ dir, bytes: Buffer.from(chunk), len: chunk.length, ts });
        else if (r === 'not_smtp') notSmtp(ts);
        else accept().onData(dir, chunk, ts);
        return;
      }
      engine?.onData(dir, chunk, ts);
    },
    onGap(dir: Direction, len: number, ts: number): void {
      if (verdict === 'pending') held.push({ dir, bytes: null, len, ts });
      else engine?.onGap(dir, len, ts);
    },
    onClose(reason: CloseReason, summary: FlowSummary, ts: number): void {
      if (verdict === 'pending') {
        recognizer.finish();
        notSmtp(ts);
      }
      engine?.onClose(reason, summary, ts);
    },
  };
  let bytesClient = 0;
  let bytesServer = 0;
  let gapBytes = 0;
  steps.forEach((step, i) => {
    const ts = T0 + i * 1000;
    const bytes = stepBytes(step);
    if (bytes === null) {
      const g = step as { gap: Direction; len: number };
      gapBytes += g.len;
      session.onGap(g.gap, g.len, ts);
      return;
    }
    const dir: Direction = 'c' in step ? 'c2s' : 's2c';
    if (dir === 'c2s') bytesClient += bytes.length;
    else bytesServer += bytes.length;
    for (const chunk of chunker ? chunker(i, bytes) : [bytes]) session.onData(dir, chunk, ts);
  });
  const hasClient = steps.some((s) => 'c' in s);
  const hasServer = steps.some((s) => 's' in s);
  const oneSided: OneSided | null = hasClient && !hasServer ? 'client_only' : hasServer && !hasClient ? 'server_only' : null;
  const summary: FlowSummary = {
    startMicros: T0,
    endMicros: T0 + steps.length * 1000,
    bytesClient,
    bytesServer,
    gapBytes,
    midstream: opts.midstream ?? false,
    oneSided,
  };
  session.onClose(opts.close ?? 'fin', summary, T0 + steps.length * 1000);
  res.messages = stub.messages.map((m) => ({
    bytes: stubBytes(m).toString('latin1'),
    gaps: m.gaps,
    mailFrom: m.ctx.mailFrom,
    srcIp: m.ctx.srcIp,
    dstIp: m.ctx.dstIp,
    ended: m.ended,
  }));
  return res;
}

/** Total data bytes of a script (the offsets splitAt can cut at). */
export function scriptLength(steps: readonly Step[]): number {
  let n = 0;
  for (const s of steps) n += stepBytes(s)?.length ?? 0;
  return n;
}

/** A chunker cutting the whole script's byte sequence at one global offset. */
export function splitAt(steps: readonly Step[], offset: number): Chunker {
  const starts: number[] = [];
  let n = 0;
  for (const s of steps) {
    starts.push(n);
    n += stepBytes(s)?.length ?? 0;
  }
  return (i, bytes) => {
    const k = offset - starts[i]!;
    if (k <= 0 || k >= bytes.length) return [bytes];
    return [bytes.subarray(0, k), bytes.subarray(k)];
  };
}

/** A deterministic pseudo-random chunker (sizes 1..max), copying each chunk like a fresh packet. */
export function randomChunker(seed: number, max = 16): Chunker {
  let x = seed >>> 0 || 1;
  const rnd = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return (_i, bytes) => {
    const out: Buffer[] = [];
    let off = 0;
    while (off < bytes.length) {
      const len = 1 + (rnd() % max);
      out.push(Buffer.from(bytes.subarray(off, off + len)));
      off += len;
    }
    return out;
  };
}

/** One-byte chunks: the worst segmenting. */
export const byteChunker: Chunker = (_i, bytes) => {
  const out: Buffer[] = [];
  for (let k = 0; k < bytes.length; k++) out.push(bytes.subarray(k, k + 1));
  return out;
};

/** Runs the script whole, split at every byte offset, byte by byte and in random chunks; all must agree. */
export function assertSplitInvariant(steps: readonly Step[], opts: ScriptOptions = {}, randomRuns = 20): ScriptResult {
  const whole = runScript(steps, opts);
  const n = scriptLength(steps);
  for (let off = 1; off < n; off++) {
    assert.deepEqual(runScript(steps, opts, splitAt(steps, off)), whole, `split at byte ${off}`);
  }
  assert.deepEqual(runScript(steps, opts, byteChunker), whole, 'byte by byte');
  for (let seed = 1; seed <= randomRuns; seed++) {
    assert.deepEqual(runScript(steps, opts, randomChunker(seed)), whole, `random chunks, seed ${seed}`);
  }
  return whole;
}

/** An NTLM AUTHENTICATE message (MS-NLMP §2.2.1.3) with domain and user, UTF-16LE or OEM. */
export function ntlmType3(domain: string, user: string, unicode: boolean): Buffer {
  const enc = unicode ? 'utf16le' : 'latin1';
  const d = Buffer.from(domain, enc);
  const u = Buffer.from(user, enc);
  const h = Buffer.alloc(64);
  h.write('NTLMSSP\0', 0, 'latin1');
  h.writeUInt32LE(3, 8);
  const field = (at: number, len: number, off: number): void => {
    h.writeUInt16LE(len, at);
    h.writeUInt16LE(len, at + 2);
    h.writeUInt32LE(off, at + 4);
  };
  field(12, 0, 64);
  field(20, 0, 64);
  field(28, d.length, 64);
  field(36, u.length, 64 + d.length);
  field(44, 0, 64 + d.length + u.length);
  field(52, 0, 64 + d.length + u.length);
  h.writeUInt32LE(unicode ? 0x00088205 : 0x00088206, 60);
  return Buffer.concat([h, d, u]);
}
