// Issue 16, proof on a real MTA: tls-capture.sh records Postfix (STARTTLS on 25, implicit TLS on
// 465) limited to TLS 1.2 and then to TLS 1.3, with openssl s_client and swaks as clients and one
// TLS 1.1 client refused. `mailtap read` on that capture must report each handshake exactly as
// tshark's TLS dissector shows it, and the certificate as `openssl x509` shows the file. The
// committed capture (test/fixtures/tls/postfix) runs everywhere; the live run needs root.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TlsHandshakeFacts } from '../../../src/tls/types.js';
import { alertName } from '../../../src/tls/names.data.js';
import { assertValidEvent } from '../../helpers/events-schema.js';
import { netnsNames, requireRootAndTools } from '../../helpers/netns.js';
import { REPO_ROOT, fixture } from '../../helpers/paths.js';
import { ndjson, runCli } from '../../helpers/run-cli.js';
import { assertSameAsTshark, tsharkTls } from '../../helpers/tshark-tls.js';

const SCRIPT = join(REPO_ROOT, 'test', 'integration', 'real-mail', 'tls-capture.sh');
const TOOLS = ['ip', 'tcpdump', 'postfix', 'postconf', 'swaks', 'openssl', 'timeout', 'ss', 'tshark'];

interface Step {
  port: number;
  version: string;
  outcome: string;
  client: string;
}

function openssl(cert: string, ...args: string[]): string {
  return execFileSync('openssl', ['x509', '-in', cert, '-noout', ...args], { encoding: 'utf8' }).trim();
}

async function checkCapture(dir: string): Promise<void> {
  const pcap = join(dir, 'tls.pcap');
  const cert = join(dir, 'cert.pem');
  const steps: Step[] = readFileSync(join(dir, 'steps.txt'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [port, version, outcome, client] = l.split(' ');
      return { port: Number(port), version: version!, outcome: outcome!, client: client! };
    });
  const res = await runCli(['read', pcap]);
  assert.equal(res.code, 0, res.stderr);
  const events = ndjson(res.stdout);
  const sessions = events.filter((e) => e['event'] === 'smtp_session').sort((a, b) => String(a['start']).localeCompare(String(b['start'])));
  assert.equal(sessions.length, steps.length, 'one smtp_session per client connection');
  const ref = tsharkTls(pcap);
  // The certificate file as OpenSSL reads it: fingerprint, names and validity.
  const sha256 = /=([0-9A-F:]+)/.exec(openssl(cert, '-fingerprint', '-sha256'))![1]!.replace(/:/g, '').toLowerCase();
  const date = (k: string): string => new Date(openssl(cert, `-${k}`).split('=')[1]!).toISOString();
  for (const [i, step] of steps.entries()) {
    const s = sessions[i]!;
    const what = `#${i} ${step.client} on ${step.port} (${step.version})`;
    assertValidEvent(s, what);
    assert.equal(s['dst_port'], step.port, what);
    assert.deepEqual(s['anomalies'], [], what);
    if (step.port === 465) {
      assert.equal(s['implicit_tls'], true, `${what}: implicit_tls`);
      assert.equal(s['starttls'], undefined, what);
    } else {
      assert.equal(s['implicit_tls'], undefined, what);
      assert.equal(s['starttls'], 'succeeded', what);
    }
    const f = s['tls_handshake'] as TlsHandshakeFacts;
    const t = ref.get(s['src_port'] as number);
    assert.ok(t !== undefined, `${what}: tshark saw its ClientHello`);
    assertSameAsTshark(f, t, what);
    assert.equal(f.outcome, step.outcome, `${what}: outcome`);
    if (step.outcome === 'failed') {
      assert.ok(t.alert !== undefined, `${what}: tshark read the alert`);
      assert.equal(f.alert, alertName(t.alert), `${what}: alert`);
      assert.equal(f.version, undefined);
      continue;
    }
    assert.equal(f.version, step.version, `${what}: version`);
    assert.equal(f.alert, undefined);
    if (step.version === 'TLSv1.3') {
      assert.equal(f.certificate, undefined, `${what}: TLS 1.3 encrypts the certificate`);
      continue;
    }
    assert.deepEqual(
      f.certificate,
      {
        subject_cn: 'mx.mailtap.test',
        issuer_cn: 'mx.mailtap.test',
        sans: ['mx.mailtap.test', 'smtp.mailtap.test'],
        not_before: date('startdate'),
        not_after: date('enddate'),
        sha256,
        self_signed: true,
      },
      `${what}: certificate as openssl x509 shows it`,
    );
  }
  // Both TLS versions, both ports and both clients are really there.
  assert.deepEqual(new Set(steps.map((s) => s.version)), new Set(['TLSv1.2', 'TLSv1.3', 'none']));
  assert.deepEqual(new Set(steps.map((s) => s.port)), new Set([25, 465]));
}

test('committed Postfix TLS capture: every tls_handshake field as tshark and openssl x509 show it', async () => {
  await checkCapture(fixture('tls', 'postfix'));
});

test('live: Postfix with TLS 1.2 then 1.3, STARTTLS and implicit TLS, captured and read back', async () => {
  requireRootAndTools(TOOLS);
  const before = new Set(netnsNames());
  const out = mkdtempSync(join(tmpdir(), 'mailtap-tls-out-'));
  try {
    const r = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn('bash', [SCRIPT, out], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 240_000 });
      let output = '';
      child.stdout.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr.on('data', (b: Buffer) => (output += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(netnsNames().filter((n) => !before.has(n)), [], 'the script deleted its namespace');
    await checkCapture(out);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
