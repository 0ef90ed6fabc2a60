// tls → smtp boundary: the facts of one TLS handshake as SPEC §3.2 names them
// (`smtp_session.tls_handshake`). Field names are the event names.

export interface TlsClientFacts {
  sni?: string;
  /** Offered versions (supported_versions, GREASE removed), else the ClientHello's legacy version. */
  versions: string[];
  ciphers_offered: number;
  alpn?: string[];
  ja4: string;
  ja3: string;
}

export interface TlsCertificateFacts {
  subject_cn?: string;
  issuer_cn?: string;
  sans: string[];
  not_before?: string;
  not_after?: string;
  sha256: string;
  self_signed: boolean;
}

export type TlsOutcome = 'established' | 'failed' | 'unknown';

export interface TlsHandshakeFacts {
  client?: TlsClientFacts;
  version?: string;
  cipher?: string;
  certificate?: TlsCertificateFacts;
  outcome: TlsOutcome;
  alert?: string;
}

/** Anomalies the TLS parser reports (names in shared/anomalies.ts). */
export type TlsAnomaly = 'smtp_tls_malformed' | 'smtp_tls_handshake_exceeded';

export interface TlsAnomalySink {
  (name: TlsAnomaly, detail: string): void;
}
