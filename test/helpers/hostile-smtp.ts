// The SMTP around a hostile message in the end-to-end hostile tests: a well-formed session from
// the handshake to the server's 354, and from the final dot to the 221 and the close. The test
// writes the DATA in between (dot-stuffed where it needs to be).
import type { TcpConn } from './hostile-pcap.js';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Handshake, greeting, EHLO, MAIL, RCPT and DATA, up to the server's 354. */
export function openData(h: TcpConn): void {
  h.handshake();
  h.s(B('220 mx.example.net ESMTP\r\n'));
  h.c(B('EHLO attacker.example\r\n'));
  h.s(B('250 mx.example.net\r\n'));
  h.c(B('MAIL FROM:<a@attacker.example>\r\n'));
  h.s(B('250 Ok\r\n'));
  h.c(B('RCPT TO:<b@victim.example>\r\n'));
  h.s(B('250 Ok\r\n'));
  h.c(B('DATA\r\n'));
  h.s(B('354 go\r\n'));
}

/** The end of data, the queued reply, QUIT, 221 and the FINs. */
export function closeData(h: TcpConn): void {
  h.c(B('.\r\n'));
  h.s(B('250 2.0.0 queued\r\n'));
  h.c(B('QUIT\r\n'));
  h.s(B('221 Bye\r\n'));
  h.close();
}
