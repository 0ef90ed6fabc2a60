import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { IsoMicrosFormatter, formatFlowLine, runFlows } from '../../../src/cli/flows-command.js';
import { isoMicros } from '../../../src/shared/time.js';
import { loadConfig } from '../../../src/config/load.js';
import type { FlowOpenInfo, FlowSummary } from '../../../src/flow/types.js';
import { fixture } from '../../helpers/paths.js';

const SMTP_PCAP = fixture('corpus', 'zeek', 'testing', 'btest', 'Traces', 'smtp.pcap');
const silent = pino({ level: 'silent' });

async function flowsOf(env: Record<string, string>, files: string[]): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  let out = '';
  const code = await runFlows({
    config: loadConfig({ env }),
    files,
    log: silent,
    write: async (chunk) => {
      out += chunk;
    },
  });
  return { code, lines: out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('formatFlowLine: SPEC field order, client first, one_sided as in events (absent or the side seen)', () => {
  const info: FlowOpenInfo = {
    flow: 7,
    uid: 'Cx1',
    communityId: '1:abc=',
    client: { ip: '2001:db8::1', port: 40000 },
    server: { ip: '2001:db8::25', port: 25 },
    vlan: [10],
    midstream: true,
  };
  const summary: FlowSummary = { startMicros: 1705309200000001, endMicros: 1705309201500000, bytesClient: 10, bytesServer: 20, gapBytes: 3, midstream: true, oneSided: 'client_only' };
  assert.equal(
    formatFlowLine(info, 'idle', summary, true),
    '{"uid":"Cx1","community_id":"1:abc=","src_ip":"2001:db8::1","src_port":40000,"dst_ip":"2001:db8::25","dst_port":25,' +
      '"start":"2024-01-15T09:00:00.000001Z","end":"2024-01-15T09:00:01.500000Z","bytes_client":10,"bytes_server":20,"gap_bytes":3,' +
      '"close":"idle","midstream":true,"one_sided":"client_only","smtp":true}',
  );
  assert.match(formatFlowLine(info, 'fin', { ...summary, oneSided: 'server_only' }, false), /"one_sided":"server_only","smtp":false}$/);
  assert.match(formatFlowLine(info, 'fin', { ...summary, oneSided: null }, false), /"midstream":true,"smtp":false}$/);
});

test('IsoMicrosFormatter equals isoMicros across second, day and year boundaries', () => {
  const f = new IsoMicrosFormatter();
  const times = [1705309200000000, 1705309200000001, 1705309200999999, 1705309201000000, 1704067199999999, 1704067200000000, 0, 1705309200123456, 1705309200123456];
  for (const t of times) assert.equal(f.format(t), isoMicros(t));
});

test('packet time drives the idle timeout: a quiet connection closes as idle, not at end of file', async () => {
  // In smtp.pcap the 66.196.121.26:5050 connection's last packet is at 13:42:57 and the capture
  // runs to 13:43:20: idle after 5 s of packet time, still open (eof) with the default 300 s.
  const isChat = (l: Record<string, unknown>): boolean => l.dst_port === 5050 || l.src_port === 5050;
  const short = await flowsOf({ MAILTAP_FLOWS_IDLE_TIMEOUT_S: '5' }, [SMTP_PCAP]);
  assert.equal(short.code, 0);
  assert.equal(short.lines.find(isChat)?.close, 'idle');
  const dflt = await flowsOf({}, [SMTP_PCAP]);
  assert.equal(dflt.lines.find(isChat)?.close, 'eof');
  assert.equal(short.lines.length, dflt.lines.length);
});

test('lines come out as connections close; several files are one capture', async () => {
  const one = await flowsOf({}, [fixture('seed', 'session.pcap')]);
  const two = await flowsOf({}, [fixture('seed', 'session.pcap'), fixture('seed', 'message.pcap')]);
  assert.equal(one.lines.length, 1);
  assert.equal(two.lines.length, 2);
  assert.equal(two.lines[0]!.src_port, 1470);
  assert.equal(two.lines[1]!.src_port, 2009);
  assert.ok(two.lines.every((l) => l.close === 'fin' && l.smtp === true));
});

test('a TLS ClientHello is SMTP only where SMTP is expected: on a configured SMTP port (implicit TLS), not on 443 by default', async () => {
  // Issue 16 / SPEC §3.2 implicit_tls: the TLS connection of smtp.pcap on 443 is not SMTP with the
  // default ports; moved onto an SMTP port by configuration, its ClientHello makes it an implicit-TLS
  // SMTP session (the recogniser reads the bytes: a ClientHello, not an arbitrary stream).
  const dflt = await flowsOf({}, [SMTP_PCAP]);
  const plain = dflt.lines.find((l) => l.dst_port === 443 && l.bytes_client !== 0);
  assert.ok(plain !== undefined);
  assert.equal(plain.smtp, false);
  const res = await flowsOf({ MAILTAP_CAPTURE_PORTS: '[25, 443]' }, [SMTP_PCAP]);
  const tls = res.lines.find((l) => l.dst_port === 443 && l.bytes_client !== 0);
  assert.ok(tls !== undefined);
  assert.equal(tls.smtp, true);
});
