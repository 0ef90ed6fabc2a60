import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DirectionReader } from '../../../src/smtp/direction-reader.js';
import { SessionContext } from '../../../src/smtp/session-context.js';
import { defaultConfig } from '../../../src/config/schema.js';
import type { AnomalyCode } from '../../../src/shared/anomalies.js';
import { stubMessageParsers } from '../../helpers/stub-message-parser.js';

function context(anomalies: [AnomalyCode, string | undefined][]): SessionContext {
  return new SessionContext(
    { flow: 1, uid: 'Cdir', communityId: '1:dir', client: { ip: '192.0.2.1', port: 40000 }, server: { ip: '198.51.100.1', port: 25 }, vlan: [], midstream: false },
    { limits: defaultConfig().limits, logPasswords: false, newMessageParser: stubMessageParsers().factory },
    { transaction: () => undefined, session: () => undefined, anomaly: (n, _ts, d) => anomalies.push([n, d]) },
    { command: () => undefined, reply: () => undefined, auth: () => undefined },
  );
}

test('the HTTP CONNECT preamble is skipped up to its blank line, then lines are SMTP', () => {
  const r = new DirectionReader('c2s', 512);
  r.preamble = true;
  assert.equal(r.skipPreamble(Buffer.from('CONNECT mx:25 HTTP/1.1')), true);
  assert.equal(r.skipPreamble(Buffer.from('Host: mx')), true);
  assert.equal(r.skipPreamble(Buffer.alloc(0)), true);
  assert.equal(r.skipPreamble(Buffer.from('EHLO a')), false);
});

test('after TLS starts, the first byte decides per direction: TLS record, plaintext, or neither', () => {
  const seen: [AnomalyCode, string | undefined][] = [];
  const ctx = context(seen);
  const client = new DirectionReader('c2s', 512);
  const server = new DirectionReader('s2c', 512);
  assert.equal(client.inTls, false);
  client.startTls();
  server.startTls();
  assert.equal(client.wire, 'tls_unknown');
  // A ClientHello (content type 22): TLS, no anomaly, and TLS from then on whatever follows.
  assert.equal(client.tlsVerdict(ctx, 0x16), false);
  assert.equal(client.wire, 'tls');
  assert.equal(client.tlsVerdict(ctx, 0x45), false);
  // A decrypted feed: the server goes on with reply digits.
  assert.equal(server.tlsVerdict(ctx, 0x32), true);
  assert.equal(server.wire, 'clear');
  assert.equal(server.inTls, false);
  assert.deepEqual(seen, [['smtp_plaintext_after_starttls', 's2c']]);
  // Neither a TLS record nor SMTP: reported once, and still not read as SMTP.
  const other = new DirectionReader('c2s', 512);
  other.startTls();
  assert.equal(other.tlsVerdict(ctx, 0x00), false);
  assert.deepEqual(seen.at(-1), ['smtp_command_in_tls', 'c2s']);
});

test('a client in plaintext after TLS started takes the session out of the tls mode', () => {
  const ctx = context([]);
  ctx.event('tls_start');
  const client = new DirectionReader('c2s', 512);
  client.startTls();
  assert.equal(ctx.mode, 'tls');
  assert.equal(client.tlsVerdict(ctx, 0x45), true); // 'E' of EHLO
  assert.equal(ctx.mode, 'ready');
});
