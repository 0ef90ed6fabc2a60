// Finds, in a clean capture, the client segments that lie wholly inside the message data of each
// SMTP transaction (after DATA and the server's 354, up to and including the terminating
// CRLF.CRLF), so the drop variant can lose exactly those bytes and name the transactions touched.
// Stateless; consumes parsed records, produces DataPhase[] in capture order.
import type { PcapFile } from '../helpers/pcap-edit.js';
import { TCP_ACK, TCP_SYN, tcpView, type TcpView } from './tcp-view.js';

/** One client segment inside a message body: its record and its place in the client stream. */
export interface BodySegment {
  /** Record indices carrying exactly these bytes (the first copy and any retransmission). */
  records: number[];
  offset: number;
  len: number;
}

export interface DataPhase {
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  /** MAIL commands seen on the connection up to this DATA: mailtap's trans_depth. */
  transDepth: number;
  /** Client stream range of the body, the terminating CRLF.CRLF included. */
  bodyStart: number;
  bodyEnd: number;
  /** Segments that can be dropped without touching anything outside the body. */
  segments: BodySegment[];
}

interface Seg {
  index: number;
  view: TcpView;
  /** Offset in its direction's stream (from the byte after the SYN). */
  offset: number;
}

interface Conn {
  client: string;
  isn: number;
  serverIsn: number | null;
  c2s: Seg[];
  s2c: Seg[];
}

const seqOffset = (seq: number, isn: number): number => (seq - isn - 1) >>> 0;

/** Connections that began with a SYN in the capture, with their payload segments. */
function connections(p: PcapFile): Conn[] {
  const byKey = new Map<string, Conn>();
  const views: (TcpView | null)[] = p.records.map((r) => tcpView(p.linkType, r.data));
  views.forEach((v, i) => {
    if (!v) return;
    const from = `${v.srcIp}/${v.srcPort}`;
    const c = byKey.get(v.key);
    if ((v.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && !c) {
      byKey.set(v.key, { client: from, isn: v.seq, serverIsn: null, c2s: [], s2c: [] });
      return;
    }
    if (!c) return;
    if ((v.flags & TCP_SYN) !== 0) {
      if (from !== c.client) c.serverIsn = v.seq;
      return;
    }
    if (v.payload.length === 0) return;
    const toServer = from === c.client;
    const isn = toServer ? c.isn : c.serverIsn;
    if (isn === null) return;
    (toServer ? c.c2s : c.s2c).push({ index: i, view: v, offset: seqOffset(v.seq, isn) });
  });
  return [...byKey.values()];
}

/** The client's byte stream (first copy of each byte wins; the captures used are complete). */
function stream(segs: readonly Seg[]): Buffer {
  let size = 0;
  for (const s of segs) size = Math.max(size, s.offset + s.view.payload.length);
  const out = Buffer.alloc(size);
  const have = new Uint8Array(size);
  for (const s of segs) {
    const pl = s.view.payload;
    for (let i = 0; i < pl.length; i++) {
      if (have[s.offset + i] === 0) {
        out[s.offset + i] = pl[i]!;
        have[s.offset + i] = 1;
      }
    }
  }
  return out;
}

/** Record index of the client segment holding stream byte `at`, or -1. */
function recordAt(segs: readonly Seg[], at: number): number {
  for (const s of segs) if (at >= s.offset && at < s.offset + s.view.payload.length) return s.index;
  return -1;
}

/** A server segment between records `from` and `to` (exclusive) carries a 354 reply line. */
function got354(segs: readonly Seg[], from: number, to: number): boolean {
  for (const s of segs) {
    if (s.index <= from || s.index >= to) continue;
    const text = s.view.payload.toString('latin1');
    if (/(^|\r\n)354[ -]/.test(text)) return true;
  }
  return false;
}

function bodySegments(c: Conn, start: number, end: number): BodySegment[] {
  const out: BodySegment[] = [];
  for (const s of c.c2s) {
    const len = s.view.payload.length;
    if (s.offset < start || s.offset + len > end) continue;
    // Only segments that no differently-cut segment overlaps: dropping every copy loses exactly them.
    const clean = c.c2s.every((o) => o.offset + o.view.payload.length <= s.offset || o.offset >= s.offset + len || (o.offset === s.offset && o.view.payload.length === len));
    if (!clean) continue;
    const prev = out.find((b) => b.offset === s.offset && b.len === len);
    if (prev) prev.records.push(s.index);
    else out.push({ records: [s.index], offset: s.offset, len });
  }
  return out;
}

/** Every DATA body of every connection that opened in the capture. */
export function dataPhases(p: PcapFile): DataPhase[] {
  const out: DataPhase[] = [];
  for (const c of connections(p)) {
    const first = c.c2s[0];
    if (!first) continue;
    const text = stream(c.c2s).toString('latin1');
    let depth = 0;
    for (let pos = 0; pos < text.length; ) {
      const eol = text.indexOf('\r\n', pos);
      if (eol < 0) break;
      const line = text.slice(pos, eol).toUpperCase();
      pos = eol + 2;
      if (line.startsWith('MAIL ')) depth++;
      if (line !== 'DATA') continue;
      const cmdRec = recordAt(c.c2s, pos - 1);
      const bodyRec = recordAt(c.c2s, pos);
      if (bodyRec < 0 || (bodyRec !== cmdRec && !got354(c.s2c, cmdRec, bodyRec))) continue;
      // The body may be empty: its CRLF.CRLF then starts with the DATA line's own CRLF.
      const term = text.indexOf('\r\n.\r\n', pos - 2);
      if (term < 0) break;
      const bodyEnd = term + 5;
      out.push({
        srcIp: first.view.srcIp,
        srcPort: first.view.srcPort,
        dstIp: first.view.dstIp,
        dstPort: first.view.dstPort,
        transDepth: depth,
        bodyStart: pos,
        bodyEnd,
        segments: bodySegments(c, pos, bodyEnd),
      });
      pos = bodyEnd;
    }
  }
  return out;
}
