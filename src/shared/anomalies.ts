// The one list of anomaly names (SPEC §5). Names are stable snake_case, prefixed by stage.
// `event: true` means each occurrence is also written as an `anomaly` event (rate-limited per
// connection by limits.anomaly_events_per_session); all are counted in mailtap_anomalies_total.
// The README's anomaly table is generated from / checked against this file.

export interface AnomalyInfo {
  readonly event: boolean;
  readonly doc: string;
}

export const ANOMALIES = {
  // capture_ / ip_: packet level, before any connection exists (src/README.md: "Packet-level
  // anomalies"). Counted only: the events schema admits only flow_/smtp_/mime_ names in events.
  capture_bad_timestamp: { event: false, doc: 'a packet time outside what an event can carry (pcapng block near 2^64, huge if_tsresol or if_tsoffset) was clamped into range (counted only)' },
  ip_fragment_overlap: { event: false, doc: 'overlapping IP fragments carried different bytes (a classic IDS evasion); the first copy won (counted only)' },
  ip_fragment_timeout: { event: false, doc: 'an IP datagram was still missing fragments after flows.fragment_timeout_s; its fragments were dropped (no connection: counted only)' },
  ip_fragment_memcap: { event: false, doc: 'fragments held for reassembly reached flows.fragment_memcap_kb; the oldest incomplete datagrams were dropped (counted only)' },

  // flow_: TCP reassembly
  flow_gap: { event: true, doc: 'bytes of a connection were never captured; a gap was delivered downstream' },
  flow_midstream: { event: false, doc: 'the capture began after the connection did (no SYN seen)' },
  flow_overlap_mismatch: { event: true, doc: 'a retransmitted or overlapping segment carried different bytes than the first copy (evasion attempt or corruption); the first copy won' },
  flow_memcap: { event: true, doc: 'the per-flow or global out-of-order holdback cap was reached; the hole was declared a gap' },
  flow_one_sided: { event: false, doc: 'only one direction of the connection was ever seen' },
  flow_seq_jump: { event: true, doc: 'a segment far outside the receive window was ignored' },
  flow_evicted: { event: false, doc: 'the connection was evicted because flows.max_flows was reached, or the state of the open connections (1 KiB each) reached flows.memcap_mb' },
  flow_worker_restarted: { event: true, doc: 'the worker parsing this connection died and was restarted; the connection is incomplete' },
  flow_worker_backlog: { event: true, doc: 'bytes of this connection were dropped because its worker was too far behind (live capture only)' },
  flow_data_after_fin: { event: true, doc: 'bytes beyond the sequence number of a FIN were ignored (RFC 9293: not stream data; an evasion attempt)' },
  flow_truncated_segment: { event: true, doc: 'a packet was cut by the capture snaplen; its missing payload became a gap' },

  // smtp_: session engine
  smtp_line_too_long: { event: true, doc: 'a command or reply line exceeded limits.line_length; the rest of the line was skipped' },
  smtp_unmatched_reply: { event: true, doc: 'a server reply arrived with no pending command to match' },
  smtp_excessive_pending_cmds: { event: true, doc: 'more than limits.pending_commands commands were unanswered; the queue was cleared' },
  smtp_data_without_rcpt: { event: true, doc: 'DATA or BDAT without an accepted RCPT' },
  smtp_rcpt_without_mail: { event: true, doc: 'RCPT, DATA or BDAT with no MAIL before it; an implicit transaction with an empty sender was opened' },
  smtp_nested_mail: { event: true, doc: 'MAIL inside an open transaction' },
  smtp_bare_lf: { event: true, doc: 'a bare LF line ending inside DATA (SMTP smuggling ambiguity)' },
  smtp_smuggling_end: { event: true, doc: 'a non-standard end-of-data sequence such as <LF>.<LF> or <CR>.<CR> appeared inside DATA (SMTP smuggling); when the server\'s replies show it ended the data there, the message ends there and what follows is read as commands' },
  smtp_smuggling_holdback_exceeded: { event: true, doc: 'more than limits.smuggling_holdback client bytes followed a lenient end of data before a server reply; the data was read strictly' },
  smtp_unknown_command: { event: false, doc: 'a client line that is not a known SMTP verb' },
  smtp_bdat_missing_last: { event: true, doc: 'a BDAT transaction ended without a LAST chunk' },
  smtp_bdat_bad_size: { event: true, doc: 'a BDAT size that does not parse, is negative or overflows' },
  smtp_auth_malformed: { event: true, doc: 'an AUTH exchange carried base64 or a structure that does not decode' },
  smtp_not_smtp: { event: false, doc: 'the connection was not recognised as SMTP and was left alone' },
  smtp_invalid_reply: { event: true, doc: 'a server line that is not a valid reply' },
  smtp_reply_code_mismatch: { event: true, doc: 'the lines of a multi-line reply carry different codes; the final line\'s code was taken' },
  smtp_recipients_exceeded: { event: true, doc: 'more than limits.recipients recipients in one transaction; further ones counted, not listed' },
  smtp_transactions_exceeded: { event: true, doc: 'more than limits.transactions transactions in one connection; further ones counted, not reported' },
  smtp_gap_recovery: { event: false, doc: 'a gap in the command stream; parsing resynchronised on the next reply or command' },
  smtp_plaintext_after_starttls: { event: true, doc: 'plaintext SMTP after a successful STARTTLS (decrypted feed or downgrade)' },
  smtp_command_in_tls: { event: false, doc: 'bytes after STARTTLS were not TLS and not SMTP' },
  smtp_tls_malformed: { event: true, doc: 'a TLS record header or handshake message after STARTTLS (or of implicit TLS) did not parse; that direction is no longer read' },
  smtp_tls_handshake_exceeded: { event: true, doc: 'a TLS handshake message would exceed limits.tls_handshake_bytes; it was skipped (its facts are missing)' },
  smtp_internal_error: { event: true, doc: 'the SMTP/MIME engine threw on this connection (a bug); its session was dropped and the connection is incomplete' },

  // mime_: message engine
  mime_boundary_missing: { event: true, doc: 'a multipart without a usable boundary, or a missing closing boundary' },
  mime_depth_exceeded: { event: true, doc: 'MIME nesting deeper than limits.mime_depth; deeper parts hashed as opaque bodies' },
  mime_parts_exceeded: { event: true, doc: 'more than limits.mime_parts parts; further parts only counted' },
  mime_header_too_long: { event: true, doc: 'a header value exceeded limits.header_value_bytes (truncated; the block goes on), or repeated fields exceeded limits.header_bytes (further ones not kept)' },
  mime_invalid_base64: { event: true, doc: 'base64 body or encoded word with characters outside the alphabet or bad padding' },
  mime_invalid_qp: { event: true, doc: 'quoted-printable with an invalid escape' },
  mime_bad_folding: { event: true, doc: 'a header line with neither colon nor leading whitespace after a value ending in `;` was read as a folded parameter (`Content-Type: text/html;` then `charset=…`)' },
  mime_invalid_uuencode: { event: true, doc: 'a uuencoded block in a text body ended without its `end` line (what decoded is still reported)' },
  mime_unknown_charset: { event: true, doc: 'a charset iconv-lite does not know; the raw text was kept' },
  mime_bad_encoded_word: { event: true, doc: 'an RFC 2047 encoded word that does not decode' },
  mime_attachment_type_mismatch: { event: true, doc: 'an attachment whose declared type or extension disagrees with its magic bytes' },
  mime_filename_too_long: { event: true, doc: 'an attachment filename longer than 255 bytes (kept)' },
  mime_line_too_long: { event: true, doc: 'a MIME line longer than limits.line_length' },
  mime_header_names_exceeded: { event: false, doc: 'more header fields than limits.header_names in the top-level block; further names counted in header_count, not listed' },
  mime_urls_exceeded: { event: false, doc: 'more URLs than limits.urls_per_message; further ones dropped' },
  mime_gap: { event: false, doc: 'a capture gap inside the message; the touched part has missing_bytes' },
} as const satisfies Record<string, AnomalyInfo>;

export type AnomalyCode = keyof typeof ANOMALIES;

export function isAnomalyCode(s: string): s is AnomalyCode {
  return Object.prototype.hasOwnProperty.call(ANOMALIES, s);
}
