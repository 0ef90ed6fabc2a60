// Small end-to-end captures for SMTP engine regressions: one TCP connection (handshake, the
// scripted client/server segments in order, FIN) written as a classic pcap with the streaming
// writer, then read by `mailtap read -` in a child process. Each script step is one segment, so a
// test chooses what crosses in the same flight (pipelining) by putting it in one string.
import { PcapWriter, TcpConn, ip4 } from './hostile-pcap.js';
import { ndjson, runCli } from './run-cli.js';

export type PcapStep = { c: string | Buffer } | { s: string | Buffer };

export const CLIENT_IP = '192.0.2.15';
export const SERVER_IP = '198.51.100.7';

export interface PcapOptions {
  /** Close with FIN from both sides (default) or leave the connection open (read flushes it at eof). */
  close?: boolean;
  cport?: number;
}

const bytes = (v: string | Buffer): Buffer => (Buffer.isBuffer(v) ? v : Buffer.from(v, 'latin1'));

/** The capture's bytes: handshake, each step as one segment, then FIN/FIN/ACK. */
export function smtpPcap(steps: readonly PcapStep[], opts: PcapOptions = {}): Buffer {
  return smtpPcapMany([steps], opts);
}

/** Several connections one after the other, client ports `cport`, `cport + 1` … */
export function smtpPcapMany(conns: readonly (readonly PcapStep[])[], opts: PcapOptions = {}): Buffer {
  const w = new PcapWriter();
  conns.forEach((steps, i) => {
    const conn = new TcpConn(w, ip4(CLIENT_IP), ip4(SERVER_IP), (opts.cport ?? 40123) + i);
    conn.handshake();
    for (const st of steps) {
      if ('c' in st) conn.c(bytes(st.c));
      else conn.s(bytes(st.s));
    }
    if (opts.close !== false) conn.close();
  });
  w.flush();
  return Buffer.concat(w.take());
}

export interface ReadResult {
  code: number | null;
  events: Record<string, unknown>[];
  /** Everything the process wrote: events and the operator log. */
  text: string;
}

/** `mailtap read --workers 1 -` on the capture; `env` adds MAILTAP_* overrides. */
export async function readPcap(pcap: Buffer, env: Record<string, string> = {}): Promise<ReadResult> {
  const res = await runCli(['read', '--workers', '1', '-'], { stdin: pcap, env });
  return { code: res.code, events: ndjson(res.stdout), text: res.stdout.toString('utf8') + res.stderr };
}

/** Events of one type, of the connection with client port `cport` when given. */
export function eventsOfType(r: ReadResult, event: string, cport?: number): Record<string, unknown>[] {
  return r.events.filter((e) => e.event === event && (cport === undefined || e.src_port === cport));
}
