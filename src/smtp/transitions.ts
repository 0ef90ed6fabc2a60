// Pure table of the session's input modes (STYLE §3.4). The mode decides how the client's next
// bytes are framed (commands, DATA, BDAT raw bytes, AUTH responses, opaque TLS). Zeek-style: the
// mode advances when a command is seen (`reply` = 'pending') and is corrected when its reply arrives.
import type { Verb } from './command.js';

export type SmtpMode =
  | 'connected' | 'ready' | 'mail' | 'rcpt' | 'data' | 'bdat' | 'auth' | 'tls' | 'quit' | 'after_gap';

/** What a pending command or reply is about: a verb, or the end of DATA (the client's <CRLF>.<CRLF>). */
export type Trigger = Verb | 'data_end';

export function next(mode: SmtpMode, trigger: Trigger, reply: number | 'pending'): SmtpMode {
  return reply === 'pending' ? onCommand(mode, trigger) : onReply(mode, trigger, reply);
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
