// The normal SMTP session every hostile capture carries beside its hostile connection: ESMTP with
// PIPELINING, two recipients and a multipart message with a base64 attachment, written one packet
// per `step()` so a test can interleave it with hostile packets. Owns its connection's position in
// the script; compareNormal() strips what legitimately differs between two copies of it.
import { TcpConn, ip4 } from './hostile-pcap.js';
import type { PcapWriter } from './hostile-pcap.js';

const MESSAGE = [
  'From: Alice <alice@example.org>',
  'To: Bob <bob@example.net>',
  'Subject: quarterly figures',
  'Message-ID: <normal-1@example.org>',
  'Date: Tue, 14 Nov 2023 22:13:20 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="norm-b1"',
  '',
  '--norm-b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Figures attached, see http://example.org/q3 for details.',
  '--norm-b1',
  'Content-Type: application/octet-stream; name="q3.bin"',
  'Content-Disposition: attachment; filename="q3.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('quarter three figures\n').toString('base64'),
  '--norm-b1--',
  '',
].join('\r\n');

type Step = { c: string } | { s: string } | 'open' | 'close';

const SCRIPT: readonly Step[] = [
  'open',
  { s: '220 mx.example.net ESMTP ready\r\n' },
  { c: 'EHLO client.example.org\r\n' },
  { s: '250-mx.example.net\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10485760\r\n' },
  { c: 'MAIL FROM:<alice@example.org> SIZE=900\r\n' },
  { s: '250 2.1.0 Ok\r\n' },
  { c: 'RCPT TO:<bob@example.net>\r\nRCPT TO:<carol@example.net>\r\n' },
  { s: '250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n' },
  { c: 'DATA\r\n' },
  { s: '354 End data with <CR><LF>.<CR><LF>\r\n' },
  { c: MESSAGE },
  { c: '.\r\n' },
  { s: '250 2.0.0 Ok: queued as 4SbX1\r\n' },
  { c: 'QUIT\r\n' },
  { s: '221 2.0.0 Bye\r\n' },
  'close',
];

export const NORMAL_CLIENT = '192.0.2.77';
export const NORMAL_SERVER = '198.51.100.25';

export class NormalSession {
  readonly conn: TcpConn;
  private i = 0;
  constructor(w: PcapWriter, cport: number) {
    this.conn = new TcpConn(w, ip4(NORMAL_CLIENT), ip4(NORMAL_SERVER), cport, 25, 777_000 + cport, 999_000 + cport);
  }

  get done(): boolean {
    return this.i >= SCRIPT.length;
  }

  /** Writes the next step (a handshake or close is a few packets); false once finished. */
  step(): boolean {
    const st = SCRIPT[this.i];
    if (st === undefined) return false;
    this.i++;
    if (st === 'open') this.conn.handshake();
    else if (st === 'close') this.conn.close();
    else if ('c' in st) this.conn.c(Buffer.from(st.c, 'latin1'));
    else this.conn.s(Buffer.from(st.s, 'latin1'));
    return true;
  }

  /** The whole session at once. */
  all(): void {
    while (this.step());
  }

  static readonly steps = SCRIPT.length;
}

type Obj = Record<string, unknown>;

/** Fields that differ between two copies of the same session at other times or ports. */
const VARYING = new Set(['time', 'ts', 'uid', 'community_id', 'src_port', 'start', 'end', 'duration']);

export function stripVarying(e: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(e)) if (!VARYING.has(k)) out[k] = v;
  return out;
}

/** Every event of the connection from `src_ip`:`port`, in written order, stripped of VARYING. */
export function eventsOf(events: readonly Obj[], srcIp: string, port: number): Obj[] {
  return events.filter((e) => e.src_ip === srcIp && e.src_port === port).map(stripVarying);
}
