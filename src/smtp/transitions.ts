// Pure table of the session's input modes (STYLE §3.4). The mode decides how the client's next
// bytes are framed (commands, DATA, BDAT raw bytes, AUTH responses, opaque TLS). Zeek-style: the
// mode advances when a command is seen (`reply` = 'pending'), is corrected when its reply arrives,
// and follows the stream's own events (a gap, the end of an AUTH exchange or a BDAT chunk, a TLS
// verdict…). Every change of a session's mode is one of these three functions
// (SessionContext.command/replied/event); no other code writes it (transitions-only.test.ts).
import type { Verb } from './command.js';

export type SmtpMode =
  /** TCP open, greeting not yet answered by a command: the next client line is a command. */
  | 'connected'
  /** Between transactions (after HELO/EHLO, RSET, end of data, AUTH): lines are commands. */
  | 'ready'
  /** MAIL seen: the envelope is open, lines are commands. */
  | 'mail'
  /** RCPT seen (or a DATA refused, a BDAT chunk read): lines are commands. */
  | 'rcpt'
  /** DATA seen: client bytes are message content up to <CRLF>.<CRLF> (data-reader.ts). */
  | 'data'
  /** BDAT seen: client bytes are the chunk's exact octet count (RFC 3030), then commands. */
  | 'bdat'
  /** AUTH exchange open: client lines are SASL responses (RFC 4954 §4) until its reply. */
  | 'auth'
  /** TLS started (STARTTLS's 220, SMTPS): client bytes go to the handshake parser, not SMTP. */
  | 'tls'
  /** QUIT seen: nothing more is expected from the client. */
  | 'quit'
  /** Lost sync (a gap, a midstream pickup, an unmatched end of data): lines skipped until a known verb. */
  | 'after_gap';

/** What a pending command or reply is about: a verb, or the end of DATA (the client's <CRLF>.<CRLF>). */
export type Trigger = Verb | 'data_end';

/** Events of the stream itself, not a command or its reply (after()). */
export type ModeEvent =
  /** Client bytes were lost: resynchronise on the next known verb. */
  | 'gap'
  /** One more AUTH challenge than the mechanism needs (XOAUTH2's error challenge): one more response. */
  | 'auth_more'
  /** The AUTH exchange ended on the client side (all responses sent, a command where a response belonged). */
  | 'auth_end'
  /** A BDAT chunk that is not LAST (or has no transaction) was read: commands follow. */
  | 'bdat_chunk_end'
  /** The LAST BDAT chunk was read: the message ended. */
  | 'bdat_last_end'
  /** A BDAT with a bad size outside a transaction: refused, no chunk follows. */
  | 'bdat_refused'
  /** A BDAT with a bad size inside a transaction: refused, no chunk follows, the envelope stays. */
  | 'bdat_refused_in_tx'
  /** TLS starts (STARTTLS's 220 or a ClientHello after STARTTLS, SMTPS from the first byte). */
  | 'tls_start'
  /** The client's first byte after TLS started is plaintext (a decrypted feed): commands again. */
  | 'tls_plain_client'
  /** A reply with no pending command inside DATA: the server ended the data where we did not. */
  | 'unmatched_reply_in_data'
  /** A midstream pickup found the end of a message whose start was not captured. */
  | 'pickup_end'
  /** The server's replies showed it ended the data at a lenient terminator before a known command. */
  | 'lenient_end'
  /** As lenient_end, but what follows is no known command: resynchronise. */
  | 'lenient_end_resync';

/** Where a session starts: a midstream pickup may start anywhere (even inside DATA), as after a gap. */
export function initialMode(midstream: boolean): SmtpMode {
  return midstream ? 'after_gap' : 'connected';
}

export function next(mode: SmtpMode, trigger: Trigger, reply: number | 'pending'): SmtpMode {
  return reply === 'pending' ? onCommand(mode, trigger) : onReply(mode, trigger, reply);
}

export function after(mode: SmtpMode, event: ModeEvent): SmtpMode {
  switch (event) {
    case 'gap': case 'unmatched_reply_in_data': case 'lenient_end_resync': return 'after_gap';
    case 'auth_more': return 'auth';
    case 'auth_end': case 'bdat_last_end': case 'bdat_refused': case 'pickup_end': case 'lenient_end': return 'ready';
    case 'bdat_chunk_end': case 'bdat_refused_in_tx': return 'rcpt';
    case 'tls_start': return 'tls';
    // RFC 3207 §4 says TLS; an inspection appliance's decrypted feed goes on in plaintext instead.
    case 'tls_plain_client': return mode === 'tls' ? 'ready' : mode;
  }
}

function onCommand(mode: SmtpMode, trigger: Trigger): SmtpMode {
  if (mode === 'tls' || mode === 'quit') return mode;
  switch (trigger) {
    case 'HELO': case 'EHLO': case 'RSET': case 'data_end': return 'ready';
    case 'MAIL': return 'mail';
    case 'RCPT': return 'rcpt';
    // RFC 2920 §3.1: DATA ends a pipelined group, yet clients do send the data straight after it.
    case 'DATA': return 'data';
    case 'BDAT': return 'bdat';
    case 'AUTH': return 'auth';
    case 'QUIT': return 'quit';
    case 'STARTTLS': case 'NOOP': case 'VRFY': case 'EXPN': case 'HELP': case 'ETRN': case 'XCLIENT': case 'other':
      return mode === 'connected' || mode === 'after_gap' ? 'ready' : mode;
  }
}

function onReply(mode: SmtpMode, trigger: Trigger, code: number): SmtpMode {
  switch (trigger) {
    // RFC 3207 §4: after 220 the TLS handshake starts; 454/501 leave the session in plaintext.
    case 'STARTTLS': return code === 220 ? 'tls' : mode;
    // A refused DATA (503, 554 …): the server reads the client's next lines as commands.
    case 'DATA': return mode === 'data' && code !== 354 ? 'rcpt' : mode;
    // RFC 4954 §4: 334 asks for another response; any other reply ends the exchange.
    case 'AUTH': return mode === 'auth' && code !== 334 ? 'ready' : mode;
    case 'QUIT': return code === 221 ? 'quit' : mode;
    // RFC 5321 §4.1.1.1: a HELO/EHLO that is refused leaves no session to speak of; parsing goes on.
    case 'HELO': case 'EHLO': case 'MAIL': case 'RCPT': case 'BDAT': case 'RSET': case 'NOOP':
    case 'VRFY': case 'EXPN': case 'HELP': case 'ETRN': case 'XCLIENT': case 'other': case 'data_end':
      return mode;
  }
}
