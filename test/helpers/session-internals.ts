// What an SmtpSession keeps that the memory caps bound (issue 8, SPEC §6), for the caps property
// test and the smtp-session fuzz target: the pending-command FIFO and each direction's
// partial-line carry. They are private to the session's parts (src/smtp/session-parts.ts), so
// they are read through a cast, in this one place.
import type { SmtpSession } from '../../src/smtp/session.js';

export interface SessionInternals {
  pending: { length: number };
  client: { pending: number };
  server: { pending: number };
}

interface Parts {
  matcher: { pending: { length: number } };
  client: { lines: { pending: number } };
  server: { lines: { pending: number } };
}

export function sessionInternals(session: SmtpSession): SessionInternals {
  const parts = (session as unknown as { p: Parts }).p;
  return { pending: parts.matcher.pending, client: parts.client.lines, server: parts.server.lines };
}
