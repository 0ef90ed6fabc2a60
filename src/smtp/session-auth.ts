// AUTH in an SMTP session (RFC 4954): the command opens an exchange (auth.ts decodes it), client
// lines are its responses until the exchange ends, 334 challenges ask for more, and the final
// reply counts it once (mailtap_auth_total).
import { AuthExchange, decodeBase64 } from './auth.js';
import { commandVerb } from './command.js';
import type { SessionContext } from './session-context.js';
import type { SessionParts } from './session-parts.js';
import { parseAuthArg } from './sasl.js';

/** Printable text (an AUTH LOGIN user name or password), not a binary token. */
function isText(bytes: Buffer): boolean {
  for (const b of bytes) if (b < 0x20 || b === 0x7f) return false;
  return true;
}

export function authCommand(p: SessionParts, arg: Buffer): void {
  const ctx = p.ctx;
  // Any run of blanks separates (issue 15: a tab once put "PLAIN\t<credentials>" in the mechanism).
  const { mechanism, initial } = parseAuthArg(arg);
  countAuth(ctx);
  const auth = new AuthExchange(mechanism, initial);
  auth.cleartext = !ctx.tlsActive;
  ctx.auth = auth;
  ctx.authCounted = false;
  if (auth.initialMalformed) ctx.anomaly('smtp_auth_malformed', `${auth.mechanism} initial response`);
  if (auth.expected <= 0) ctx.event('auth_end');
  p.matcher.push(ctx, 'AUTH', ctx.tx, 0);
}

/** One line inside an AUTH exchange; false when it is in fact the next command. */
export function authResponse(ctx: SessionContext, auth: AuthExchange, line: Buffer): boolean {
  const isCancel = line.length === 1 && line[0] === 0x2a;
  if (!isCancel && commandVerb(line) !== 'other') {
    // A command, not a response, when it is not base64 or decodes to binary ("QUIT" is valid
    // base64: suricata-verify smtp-long-command quits inside AUTH LOGIN). The exchange ended
    // with a reply we did not see, or the client gave up.
    const decoded = decodeBase64(line);
    if (decoded === null || !isText(decoded)) {
      ctx.event('auth_end');
      return false;
    }
  }
  if (auth.onResponse(line) === 'malformed') ctx.anomaly('smtp_auth_malformed', `${auth.mechanism} response`);
  if (auth.expected <= 0) ctx.event('auth_end');
  return true;
}

/** RFC 4954 §4: 334 is a challenge; the exchange (and its pending entry) goes on. */
export function authChallenge(ctx: SessionContext, text: string): void {
  const auth = ctx.auth;
  if (auth === null) return;
  auth.onChallenge(text);
  if (auth.expected <= 0) {
    // One more challenge than the mechanism needs (XOAUTH2's error challenge): one more response.
    auth.expected = 1;
    ctx.event('auth_more');
  }
}

/** The final reply to AUTH. */
export function authReply(ctx: SessionContext, code: number): void {
  if (ctx.auth === null) return;
  ctx.auth.onReply(code);
  countAuth(ctx);
}

/** Counts the session's AUTH exchange once (at its reply, the next AUTH, or close). */
export function countAuth(ctx: SessionContext): void {
  const a = ctx.auth;
  if (a === null || ctx.authCounted) return;
  ctx.authCounted = true;
  ctx.counters.auth(a.mechanism, a.result, a.cleartext);
}
