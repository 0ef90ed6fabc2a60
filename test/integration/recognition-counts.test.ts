// Issue 12 item 2: one place (the main thread's gate) decides whether a flow is SMTP. Moving the
// decision for capture.ports flows out of the worker must not change what an operator sees: on a
// capture with non-SMTP traffic on an SMTP port and on another port, the events and every
// anomaly counter (smtp_not_smtp above all) are the same as when the worker decided. The figures
// below were read with the worker deciding (before the change) and are asserted unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PcapWriter, TcpConn, ip4 } from '../helpers/hostile-pcap.js';
import { NormalSession } from '../helpers/hostile-normal.js';
import { readWithMetrics } from '../helpers/read-metrics.js';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const CLIENT = ip4('203.0.113.9');
const SERVER = ip4('198.51.100.80');

const HTTP_REQUEST = B('GET /index.html HTTP/1.1\r\nHost: www.example.net\r\nUser-Agent: curl/8.5.0\r\n\r\n');
const HTTP_ANSWER = B('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello');

function http(w: PcapWriter, cport: number, sport: number): void {
  const h = new TcpConn(w, CLIENT, SERVER, cport, sport);
  h.handshake();
  h.c(HTTP_REQUEST);
  h.s(HTTP_ANSWER);
  h.close();
}

function capture(): Buffer {
  const w = new PcapWriter();
  w.stepMicros = 1000;
  // Real SMTP on port 25: the one session of the capture.
  new NormalSession(w, 41000).all();
  // HTTP on an SMTP port and on another port: neither is SMTP.
  http(w, 50001, 25);
  http(w, 50002, 8080);
  // Binary bytes on port 25 from the client (a NUL in the first line).
  const bin = new TcpConn(w, CLIENT, SERVER, 50003, 25);
  bin.handshake();
  bin.c(Buffer.from([0x00, 0x01, 0x02, 0x03, 0x0d, 0x0a]));
  bin.close();
  // A half-open connection to port 25 that never carries a byte (one packet of a SYN flood).
  new TcpConn(w, CLIENT, SERVER, 50004, 25).syn();
  // Port 25, a few bytes of text without a line end, then the close: too little to call it SMTP.
  const short = new TcpConn(w, CLIENT, SERVER, 50005, 25);
  short.handshake();
  short.s(B('hello'));
  short.close();
  // TLS application data from the client on port 25 (not a ClientHello: not implicit TLS).
  const tls = new TcpConn(w, CLIENT, SERVER, 50006, 25);
  tls.handshake();
  tls.c(Buffer.from([0x17, 0x03, 0x03, 0x00, 0x04, 0xde, 0xad, 0xbe, 0xef]));
  tls.close();
  // Port 25, the client's first 10 bytes lost: the gap comes before the verdict, which three lines
  // of text then give (SMTP by the port's rule); the server's answer reads as a CONNECT preamble.
  const gapped = new TcpConn(w, CLIENT, SERVER, 50008, 25);
  gapped.handshake();
  gapped.c(HTTP_REQUEST.subarray(10), { seqDelta: 10, advance: false });
  gapped.cNext += HTTP_REQUEST.length;
  gapped.s(B('HTTP/1.1 200 OK\r\n\r\n'));
  gapped.close();
  // SMTP on a port that is not in capture.ports: recognised by greeting and EHLO.
  const other = new TcpConn(w, CLIENT, SERVER, 50007, 2500);
  other.handshake();
  other.s(B('220 relay.example.net ESMTP\r\n'));
  other.c(B('EHLO client.example.org\r\n'));
  other.s(B('250 relay.example.net\r\n'));
  other.c(B('QUIT\r\n'));
  other.s(B('221 bye\r\n'));
  other.close();
  w.flush();
  return Buffer.concat(w.take());
}

function counters(metrics: Map<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of metrics) if (k.startsWith(prefix) && v > 0) out[k.slice(prefix.length)] = v;
  return out;
}

test('non-SMTP traffic on an SMTP port and on another port: same events and counters as when the worker decided', async () => {
  const { events, metrics, log } = await readWithMetrics(capture());
  const summary = events.map((e) => `${String(e.event)} ${String(e.dst_port)}${e.event === 'anomaly' ? ` ${String(e.name)}` : ''}`);
  assert.deepEqual(summary, [
    'smtp_transaction 25',
    'smtp_session 25',
    'anomaly 25 flow_gap',
    'anomaly 25 smtp_invalid_reply',
    'anomaly 25 smtp_invalid_reply',
    'smtp_session 25',
    'smtp_session 2500',
  ]);
  const gapped = events.find((e) => e.event === 'smtp_session' && e.src_port === 50008)!;
  assert.deepEqual(
    [gapped.bytes_client, gapped.bytes_server, gapped.gap_bytes, gapped.commands, gapped.anomalies],
    [HTTP_REQUEST.length - 10, 19, 10, 0, ['flow_gap', 'smtp_gap_recovery', 'smtp_invalid_reply']],
  );
  const other = events.find((e) => e.event === 'smtp_session' && e.dst_port === 2500)!;
  assert.deepEqual([other.banner, other.helo, other.commands, other.anomalies], ['relay.example.net ESMTP', 'client.example.org', 2, []]);
  // Five flows are not SMTP: HTTP on 25 and on 8080, the binary, the short text, the TLS data.
  // The half-open connection is counted too (it closed without a byte: not SMTP), and is one-sided.
  assert.deepEqual(counters(metrics, 'mailtap_anomalies_total'), {
    '{name="flow_gap"}': 1,
    '{name="flow_one_sided"}': 1,
    '{name="smtp_gap_recovery"}': 1,
    '{name="smtp_invalid_reply"}': 2,
    '{name="smtp_not_smtp"}': 6,
  });
  assert.deepEqual(counters(metrics, 'mailtap_events_total'), {
    '{event="smtp_transaction"}': 1,
    '{event="smtp_session"}': 3,
    '{event="anomaly"}': 3,
  });
  // The gate's own figures (op log, `read finished`) now count every flow where it was decided:
  // recognised = sent to a worker as SMTP (the three sessions); rejected = judged not SMTP (HTTP
  // on 25 and on 8080, the binary, the TLS data); closedPending = closed before a verdict (the
  // half-open one and the short text). When the worker decided, the four port-25 flows that
  // carried a byte counted as `recognised` (7 recognised, 1 rejected, 1 closedPending).
  const done = log.find((l) => l.msg === 'read finished');
  assert.deepEqual((done as { gate?: unknown } | undefined)?.gate, { recognised: 3, rejected: 4, undecided: 0, closedPending: 2, pendingBytes: 0 });
});

test('a gap before the verdict in a flow that is then not SMTP: nothing written, no flow_gap counted', async () => {
  // Issue 12 changed this one case on purpose. Port 25, the client's first 10 bytes lost, then
  // binary: when the worker decided, the gap reached a session first and was written as a
  // flow_gap event (and counted) for a connection that was not SMTP. The gate holds the gap until
  // its verdict, as it always did on other ports, and a flow that is not SMTP has no events.
  const w = new PcapWriter();
  w.stepMicros = 1000;
  const h = new TcpConn(w, CLIENT, SERVER, 50010, 25);
  h.handshake();
  const bin = Buffer.from('0123456789\x00\x01\x02binary\r\n', 'latin1');
  h.c(bin.subarray(10), { seqDelta: 10, advance: false });
  h.cNext += bin.length;
  h.s(B('HTTP/1.1 200 OK\r\n\r\n'));
  h.close();
  w.flush();
  const { events, metrics } = await readWithMetrics(Buffer.concat(w.take()));
  assert.deepEqual(events, []);
  assert.deepEqual(counters(metrics, 'mailtap_anomalies_total'), { '{name="smtp_not_smtp"}': 1 });
});
