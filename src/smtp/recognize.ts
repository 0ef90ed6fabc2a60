// Decides whether a connection is SMTP from the first lines of each side. Owns a small copy
// (WINDOW bytes) of each side's start; consumes BORROWED stream bytes, produces a Recognition. Rules:
//  - SMTP ports (capture.ports): a valid reply line ("ddd ", "ddd-", "ddd") among the server's first
//    lines, or a known command verb among the client's, is enough; either side alone decides. This
//    also covers a midstream pickup (no greeting, no EHLO). A side that sends WINDOW bytes or
//    MAX_LINES lines of text without either is taken as SMTP too (a pickup inside DATA): the port says so.
//  - Other ports: the server's first line must be a 220 greeting AND the client's first line HELO/EHLO.
//  - Implicit TLS (SMTPS, RFC 8314 §3.3): on an SMTP port or on 465, a client whose first bytes
//    are a TLS ClientHello is an SMTP session in TLS from the first byte (`implicitTls`); on 465 a
//    TLS record from either side is enough (a midstream pickup). Elsewhere TLS is not SMTP.
//  - Anywhere else: TLS records, HTTP, or control bytes in the first lines mean not SMTP, at once.
//  - An HTTP CONNECT preamble (request, proxy's 2xx) is skipped; inside such a tunnel the rules of
//    other ports apply (greeting AND HELO/EHLO), and the session skips the preamble too.
// Run once per connection, on the main thread (dispatch/smtp-gate.ts, issue 12 item 2); the
// session learns the findings from its open (startFlags), never from a recognizer of its own.
import { parseCommand } from './command.js';
import { replyCodeAt } from './reply.js';
import { CR, HTAB, LF, bytesMatch } from '../shared/bytes.js';
import type { Direction } from '../flow/types.js';
import { START_CLIENT_PREAMBLE, START_IMPLICIT_TLS, START_SERVER_PREAMBLE } from './start-flags.js';

export type Recognition = 'smtp' | 'not_smtp' | 'pending';

/** Bytes of each side looked at: a greeting or EHLO line fits many times over. */
export const RECOGNITION_WINDOW = 512;
/** Complete lines of each side looked at on SMTP ports before the port decides. */
const MAX_LINES = 3;
/** Bytes one side may send while the other is silent before a decision is forced. */
export const RECOGNITION_ONE_SIDE_LIMIT = 8192;

/** RFC 8314 §7.3: the port of SMTP submission over implicit TLS. */
export const SMTPS_PORT = 465;

/** `hello`: a TLS ClientHello starts the side; `record`: some other TLS record does. */
type SideVerdict = 'ok' | 'bad' | 'text' | 'unknown' | 'hello' | 'record';

/** RFC 8446 §5.1 record header: content type 20..23, version 3.x, length within a record's bound. */
function isTlsRecordHeader(buf: Buffer, len: number): boolean {
  return len >= 5 && buf[0]! >= 0x14 && buf[0]! <= 0x17 && buf[1] === 3 && buf.readUInt16BE(3) <= 16384 + 2048;
}

const CONNECT_BYTES = Buffer.from('CONNECT ', 'latin1');
const HTTP1_BYTES = Buffer.from('HTTP/1.', 'latin1');
const HTTP_SLASH = Buffer.from('HTTP/', 'latin1');

const HTTP_METHODS = new Set(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE', 'PRI']);

/** Text may hold ESC (ISO-2022-JP) and FF; NUL and other controls mean a binary protocol. */
function hasControlBytes(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b < 0x20 && b !== CR && b !== LF && b !== HTAB && b !== 0x1b && b !== 0x0c) return true;
  }
  return false;
}

/**
 * Length of an HTTP CONNECT preamble at the start of a side (the client's CONNECT request or the
 * proxy's 2xx answer, headers and blank line included): SMTP tunnelled through a proxy (Zeek's
 * http/connect-with-smtp). 0 when there is none, -1 while it may still be one.
 */
export function httpPreamble(buf: Buffer, len: number, side: 0 | 1): number {
  const prefix = side === 0 ? CONNECT_BYTES : HTTP1_BYTES;
  const n = Math.min(len, prefix.length);
  // Compared byte by byte: no string is made for the first bytes of every side of every flow.
  if (!bytesMatch(buf, 0, prefix, n)) return 0;
  if (len < prefix.length) return -1;
  // "HTTP/1.x 2xx": only a successful CONNECT opens a tunnel.
  if (side === 1 && len >= 10 && buf[9] !== 0x32) return 0;
  let start = 0;
  while (start < len) {
    const lf = buf.indexOf(LF, start);
    if (lf < 0 || lf >= len) return -1;
    const empty = lf === start || (lf === start + 1 && buf[start] === CR);
    start = lf + 1;
    if (empty) return start;
  }
  return -1;
}

export class SmtpRecognizer {
  private st: Recognition = 'pending';
  private readonly onSmtpPort: boolean;
  /** Each side's window, made on that side's first byte (a side that never talks costs nothing). */
  private readonly bufs: [Buffer | null, Buffer | null] = [null, null];
  private readonly lens: [number, number] = [0, 0];
  private readonly totals: [number, number] = [0, 0];
  private readonly verdicts: [SideVerdict, SideVerdict] = ['unknown', 'unknown'];
  /** Each side began with an HTTP CONNECT preamble (client request / server 2xx), to be skipped. */
  readonly tunnel: [boolean, boolean] = [false, false];
  /** Recognised as SMTP in TLS from the first byte (SMTPS). */
  implicitTls = false;
  private readonly smtps: boolean;

  /** `smtps`: the server port is 465 (SMTPS_PORT), where TLS from the first byte is SMTP. */
  constructor(onSmtpPort: boolean, smtps = false) {
    this.onSmtpPort = onSmtpPort;
    this.smtps = smtps;
  }

  get state(): Recognition {
    return this.st;
  }

  /** What the session must know from recognition (start-flags.ts): implicit TLS, CONNECT preambles. */
  get startFlags(): number {
    return (this.implicitTls ? START_IMPLICIT_TLS : 0) | (this.tunnel[0] ? START_CLIENT_PREAMBLE : 0) | (this.tunnel[1] ? START_SERVER_PREAMBLE : 0);
  }

  feed(dir: Direction, bytes: Buffer): Recognition {
    if (this.st !== 'pending' || bytes.length === 0) return this.st;
    const side = dir === 'c2s' ? 0 : 1;
    this.totals[side] += bytes.length;
    if (this.verdicts[side] === 'unknown') {
      const held = this.lens[side];
      const n = Math.min(RECOGNITION_WINDOW - held, bytes.length);
      // A side's first bytes are judged where they are (BORROWED), as the window would hold them:
      // most sides decide on their first segment, and then no window is made or copied into.
      let v: SideVerdict = held === 0 ? this.judge(side, bytes, n) : 'unknown';
      if (v === 'unknown') {
        const buf = (this.bufs[side] ??= Buffer.alloc(RECOGNITION_WINDOW));
        bytes.copy(buf, held, 0, n);
        this.lens[side] = held + n;
        if (held > 0) v = this.judge(side, buf, held + n);
      }
      this.verdicts[side] = v;
      // A side's verdict is final: its window is not read again.
      if (v !== 'unknown') this.bufs[side] = null;
    }
    this.st = this.decide();
    if (this.st !== 'pending') {
      // The verdict is final: the windows are not read again (issue 13 item 12, memory per flow).
      this.bufs[0] = null;
      this.bufs[1] = null;
    }
    return this.st;
  }

  /** The connection ended while still undecided: too little was said to call it SMTP. */
  finish(): Recognition {
    if (this.st === 'pending') this.st = 'not_smtp';
    return this.st;
  }

  private decide(): Recognition {
    const [c, s] = this.verdicts;
    if ((c === 'hello' && (this.onSmtpPort || this.smtps)) || (this.smtps && (c === 'record' || s === 'record' || s === 'hello'))) {
      this.implicitTls = true;
      return 'smtp';
    }
    if (c === 'hello' || c === 'record' || s === 'hello' || s === 'record') return 'not_smtp';
    if (c === 'bad' || s === 'bad') return 'not_smtp';
    if (this.lenient()) {
      if (c === 'ok' || s === 'ok' || c === 'text' || s === 'text') return 'smtp';
    } else if (c === 'ok' && s === 'ok') return 'smtp';
    // One side talks at length while the other stays silent: decide on the port.
    if (this.totals[0] > RECOGNITION_ONE_SIDE_LIMIT || this.totals[1] > RECOGNITION_ONE_SIDE_LIMIT) {
      return this.onSmtpPort ? 'smtp' : 'not_smtp';
    }
    return 'pending';
  }

  /** The verdict on a side's first `len` bytes, `buf[0, len)` (its window, or its first segment). */
  private judge(side: 0 | 1, buf: Buffer, len: number): SideVerdict {
    // TLS record header: content type 20..23, version major 3 (ClientHello/ServerHello on 465 or 25).
    if (len >= 1 && buf[0]! >= 0x14 && buf[0]! <= 0x17) {
      // Only a client on an SMTP port, or either side on 465, can open implicit TLS: elsewhere at once.
      if (!this.smtps && (side === 1 || !this.onSmtpPort)) return 'bad';
      // Record header (5 bytes) and the handshake type (1 byte) decide; until then, undecided.
      if (len < 6) return 'unknown';
      if (!isTlsRecordHeader(buf, len)) return 'bad';
      return buf[0] === 0x16 && buf[5] === 0x01 ? 'hello' : 'record';
    }
    let start = httpPreamble(buf, len, side);
    if (start < 0) return len >= RECOGNITION_WINDOW ? 'bad' : 'unknown';
    if (start > 0) this.tunnel[side] = true;
    // Lines are judged in byte order, so the verdict does not depend on how the bytes were split.
    let lines = 0;
    while (start < len) {
      let lf = buf.indexOf(LF, start);
      if (lf >= len) lf = -1;
      if (hasControlBytes(buf, start, lf < 0 ? len : lf)) return 'bad';
      if (lf < 0) break;
      let end = lf;
      if (end > start && buf[end - 1] === CR) end--;
      const v = this.judgeLine(side, buf.subarray(start, end), lines === 0);
      if (v !== 'unknown') return v;
      lines++;
      start = lf + 1;
      if (lines >= MAX_LINES) return 'text';
    }
    if (len >= RECOGNITION_WINDOW) return this.lenient() ? 'text' : 'bad';
    return 'unknown';
  }

  /** SMTP-port rules apply: on an SMTP port and not inside an HTTP CONNECT tunnel. */
  private lenient(): boolean {
    return this.onSmtpPort && !this.tunnel[0] && !this.tunnel[1];
  }

  private judgeLine(side: 0 | 1, line: Buffer, first: boolean): SideVerdict {
    const lenient = this.lenient();
    if (side === 1) {
      if (line.length >= HTTP_SLASH.length && bytesMatch(line, 0, HTTP_SLASH, HTTP_SLASH.length)) return 'bad';
      const code = replyCodeAt(line, 0, line.length);
      if (lenient) return code >= 0 ? 'ok' : 'unknown';
      return code === 220 ? 'ok' : 'bad';
    }
    const sp = line.indexOf(0x20);
    if (first && sp > 0 && sp <= 7 && HTTP_METHODS.has(line.toString('latin1', 0, sp))) return 'bad';
    const verb = parseCommand(line).verb;
    if (lenient) return verb !== 'other' ? 'ok' : 'unknown';
    return verb === 'EHLO' || verb === 'HELO' ? 'ok' : 'bad';
  }
}
