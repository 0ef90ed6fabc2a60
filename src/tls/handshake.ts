// The TLS handshake of one connection as far as it crosses in clear (after STARTTLS's 220, or
// from the first byte for implicit TLS): ClientHello, ServerHello, the TLS <= 1.2 server
// certificate, and the outcome. No decryption. Owns one record and one message stream per
// direction, the facts found so far and the budget of handshake bytes kept
// (limits.tls_handshake_bytes); consumes borrowed stream bytes, produces TlsHandshakeFacts.
//
// Outcome (RFC 5246 §7.3, RFC 8446 §2):
//  - established: each side sent ChangeCipherSpec and then its encrypted Finished (TLS <= 1.2),
//    or application data flowed both ways: the server sent application data after the client's
//    first (TLS 1.3 hides Finished in application-data records; the server answers only once the
//    client's Finished verified, while a client that rejects the server sends an encrypted alert
//    and gets nothing back).
//  - failed: an alert before that (its description when in clear, `encrypted` otherwise).
//  - unknown: neither (the capture ended, a gap cut the stream, or the peer just went away).
import { parseCertificateMessage } from './certificate.js';
import { parseClientHello } from './client-hello.js';
import type { ClientHello } from './client-hello.js';
import { ja3, ja4 } from './fingerprint.js';
import { TlsMessageStream } from './message-stream.js';
import type { MessageSink } from './message-stream.js';
import { alertName, cipherSuiteName, isGrease, versionName } from './names.data.js';
import { CT_ALERT, CT_APPLICATION_DATA, CT_CHANGE_CIPHER_SPEC, CT_HANDSHAKE, TlsRecordStream } from './record-stream.js';
import type { RecordSink } from './record-stream.js';
import { parseServerHello } from './server-hello.js';
import type { TlsAnomalySink, TlsCertificateFacts, TlsClientFacts, TlsHandshakeFacts } from './types.js';
import type { Direction } from '../flow/types.js';

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const TLS13 = 0x0304;
/** A HelloRetryRequest and then the ServerHello: two at most are parsed. */
const MAX_SERVER_HELLOS = 2;

/** One direction: its framing and what it has sent. */
class TlsSide implements RecordSink, MessageSink {
  readonly records: TlsRecordStream;
  private readonly messages: TlsMessageStream;
  changeCipherSpec = false;
  /** A handshake record after ChangeCipherSpec (TLS <= 1.2): the encrypted Finished. */
  encryptedHandshake = false;
  appData = 0;
  private current = 0;
  private alertLen = 0;
  private readonly alert = Buffer.alloc(2);

  constructor(
    private readonly owner: TlsHandshake,
    readonly dir: Direction,
  ) {
    this.records = new TlsRecordStream(this);
    this.messages = new TlsMessageStream(this);
  }

  recordStart(type: number, length: number): boolean {
    this.owner.seen = true;
    this.current = type;
    switch (type) {
      case CT_CHANGE_CIPHER_SPEC:
        this.changeCipherSpec = true;
        return false;
      case CT_HANDSHAKE:
        // TLS <= 1.2: after ChangeCipherSpec the handshake (Finished) is encrypted. TLS 1.3's
        // ChangeCipherSpec is a middlebox decoy (RFC 8446 §D.4); its encrypted handshake
        // travels as application data, so its handshake records are always in clear.
        if (this.changeCipherSpec && !this.owner.tls13) {
          this.encryptedHandshake = true;
          return false;
        }
        return true;
      case CT_ALERT:
        this.alertLen = 0;
        // A clear alert is 2 bytes (level, description); an encrypted one carries a MAC or tag.
        if (length !== 2) {
          this.owner.onAlert(null);
          return false;
        }
        return true;
      case CT_APPLICATION_DATA:
        this.appData++;
        this.owner.onAppData(this.dir);
        return false;
      default:
        return false;
    }
  }

  recordData(bytes: Buffer): void {
    if (this.current === CT_HANDSHAKE) {
      this.messages.push(bytes);
      return;
    }
    // CT_ALERT: 2 bytes at most (recordStart checked the length).
    const n = Math.min(bytes.length, 2 - this.alertLen);
    bytes.copy(this.alert, this.alertLen, 0, n);
    this.alertLen += n;
  }

  recordEnd(type: number): void {
    if (type === CT_ALERT && this.alertLen === 2) this.owner.onAlert(this.alert[1]!);
  }

  messageStart(type: number, length: number): boolean {
    return this.owner.wants(this.dir, type, length);
  }

  message(type: number, body: Buffer): void {
    this.owner.onMessage(this.dir, type, body);
  }
}

export class TlsHandshake {
  /** Any TLS record was seen (facts() is null otherwise: no handshake to report). */
  seen = false;
  tls13 = false;
  private readonly client: TlsSide;
  private readonly server: TlsSide;
  private clientFacts: TlsClientFacts | undefined;
  private version: number | undefined;
  private cipher: number | undefined;
  private serverHellos = 0;
  private certificate: TlsCertificateFacts | undefined;
  private certificateSeen = false;
  private alert: string | undefined;
  private serverDataAfterClient = false;
  private kept = 0;
  private exceeded = false;

  constructor(
    private readonly maxKeptBytes: number,
    private readonly anomaly: TlsAnomalySink,
  ) {
    this.client = new TlsSide(this, 'c2s');
    this.server = new TlsSide(this, 's2c');
  }

  /** Stream bytes of one direction (borrowed). */
  feed(dir: Direction, bytes: Buffer): void {
    const side = dir === 'c2s' ? this.client : this.server;
    const bad = side.records.push(bytes);
    if (bad !== null) this.anomaly('smtp_tls_malformed', `${dir}: ${bad}`);
  }

  gap(dir: Direction): void {
    (dir === 'c2s' ? this.client : this.server).records.gap();
  }

  established(): boolean {
    const c = this.client;
    const s = this.server;
    if (c.changeCipherSpec && c.encryptedHandshake && s.changeCipherSpec && s.encryptedHandshake) return true;
    return this.serverDataAfterClient;
  }

  facts(): TlsHandshakeFacts | null {
    if (!this.seen) return null;
    // Built in SPEC §3.2 order (client, version, cipher, certificate, outcome, alert).
    const f = {} as TlsHandshakeFacts;
    if (this.clientFacts !== undefined) f.client = this.clientFacts;
    if (this.version !== undefined) f.version = versionName(this.version);
    if (this.cipher !== undefined) f.cipher = cipherSuiteName(this.cipher);
    if (this.certificate !== undefined) f.certificate = this.certificate;
    const established = this.established();
    f.outcome = established ? 'established' : this.alert !== undefined ? 'failed' : 'unknown';
    if (!established && this.alert !== undefined) f.alert = this.alert;
    return f;
  }

  // ---- called by the sides ----

  /** Whether to keep a message body: one ClientHello, the ServerHello(s), one TLS <= 1.2 certificate; within budget. */
  wants(dir: Direction, type: number, length: number): boolean {
    let wanted: boolean;
    if (dir === 'c2s') wanted = type === HS_CLIENT_HELLO && this.clientFacts === undefined;
    else if (type === HS_SERVER_HELLO) wanted = this.serverHellos < MAX_SERVER_HELLOS;
    else wanted = type === HS_CERTIFICATE && !this.certificateSeen && !this.tls13;
    if (!wanted) return false;
    if (this.kept + length > this.maxKeptBytes) {
      // A certificate chain (or a hostile length) beyond the budget: the message is skipped.
      if (!this.exceeded) this.anomaly('smtp_tls_handshake_exceeded', `handshake message type ${type} of ${length} bytes over limits.tls_handshake_bytes`);
      this.exceeded = true;
      return false;
    }
    this.kept += length;
    return true;
  }

  onMessage(dir: Direction, type: number, body: Buffer): void {
    if (dir === 'c2s') {
      const r = parseClientHello(body);
      if (r.ok) this.clientFacts = clientFacts(r.hello);
      else this.anomaly('smtp_tls_malformed', r.reason);
      return;
    }
    if (type === HS_SERVER_HELLO) {
      this.serverHellos++;
      const r = parseServerHello(body);
      if (!r.ok) {
        this.anomaly('smtp_tls_malformed', r.reason);
        return;
      }
      this.version = r.hello.version;
      this.cipher = r.hello.cipher;
      this.tls13 = r.hello.version === TLS13;
      return;
    }
    this.certificateSeen = true;
    const r = parseCertificateMessage(body);
    if (!r.ok) this.anomaly('smtp_tls_malformed', r.reason);
    else if (r.cert !== null) this.certificate = r.cert;
  }

  /** An alert: its description code when in clear, null when encrypted. */
  onAlert(description: number | null): void {
    if (this.alert !== undefined || this.established()) return;
    this.alert = description === null ? 'encrypted' : alertName(description);
  }

  onAppData(dir: Direction): void {
    if (dir === 's2c' && this.client.appData > 0) this.serverDataAfterClient = true;
  }
}

function clientFacts(h: ClientHello): TlsClientFacts {
  const versions = h.supportedVersions === null ? [h.legacyVersion] : h.supportedVersions.filter((v) => !isGrease(v));
  // SPEC §3.2 order: sni, versions, ciphers_offered, alpn, ja4, ja3.
  const f = {} as TlsClientFacts;
  if (h.sni !== undefined) f.sni = h.sni;
  f.versions = versions.map(versionName);
  f.ciphers_offered = h.ciphers.filter((c) => !isGrease(c)).length;
  if (h.alpn.length > 0) f.alpn = h.alpn.map((p) => p.toString('latin1'));
  f.ja4 = ja4(h);
  f.ja3 = ja3(h);
  return f;
}
