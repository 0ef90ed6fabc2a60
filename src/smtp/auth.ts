// AUTH exchanges (RFC 4954): per-mechanism decoders for the client's base64 responses — LOGIN,
// PLAIN (RFC 4616), CRAM-MD5 (RFC 2195), XOAUTH2, OAUTHBEARER (RFC 7628), NTLM type 3 — and `*`
// cancellation. Owns one exchange's state (responses expected, user, password, LOGIN prompts);
// consumes client response lines, server challenges and reply codes; produces AuthFacts.
// Undecodable base64 is reported, never thrown.
//
// The credential rule (SPEC §7): everything the client sends in the exchange is a secret unless
// the mechanism's structure marks it as the user (PLAIN's authcid, LOGIN's answer to a username
// prompt, CRAM-MD5's name, NTLM's type 3 user, OAuth's user=/a=); a secret reaches AuthFacts
// only as `password`, which records.ts writes only with output.log_passwords.
import { mechanismName } from './sasl.js';
import type { AuthFacts, AuthResult } from './types.js';

export type ResponseOutcome = 'ok' | 'malformed' | 'cancel';

/** What a LOGIN challenge asks for, from its decoded text. */
export type PromptKind = 'user' | 'password' | 'other';

/** LOGIN challenges remembered per exchange (a server looping on 334 must not grow it). */
const MAX_PROMPTS = 16;

/**
 * The LOGIN mechanism has no specification beyond its prompts ("Username:", "Password:", base64).
 * A prompt that mentions a password is a password prompt even if it also says "user" (the safe
 * side: its answer is never written); one naming a user, login or account is a username prompt.
 */
export function classifyPrompt(text: string): PromptKind {
  const raw = text.trim();
  const decoded = decodeBase64(Buffer.from(raw, 'latin1'));
  const t = (decoded !== null && decoded.length > 0 && isPrintable(decoded) ? decoded.toString('latin1') : raw).toLowerCase();
  if (t.includes('pass')) return 'password';
  if (/user|login|name|account/.test(t)) return 'user';
  return 'other';
}

function isPrintable(bytes: Buffer): boolean {
  for (const b of bytes) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

/** Strict base64 check (Buffer.from is lenient): alphabet, '=' only as final padding. */
export function decodeBase64(line: Buffer): Buffer | null {
  let n = line.length;
  while (n > 0 && (line[n - 1] === 0x20 || line[n - 1] === 0x09)) n--;
  let pad = 0;
  for (let i = 0; i < n; i++) {
    const c = line[i]!;
    if (c === 0x3d) {
      pad++;
      continue;
    }
    if (pad > 0) return null;
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (!ok) return null;
  }
  if (pad > 2 || n % 4 === 1 || (pad > 0 && n % 4 !== 0)) return null;
  return Buffer.from(line.toString('latin1', 0, n), 'base64');
}

/** Client responses a mechanism needs after the AUTH command, when the initial response is absent/present. */
function responsesExpected(mech: string, hasInitial: boolean): number {
  switch (mech) {
    case 'LOGIN': return hasInitial ? 1 : 2;
    case 'PLAIN': case 'XOAUTH2': case 'OAUTHBEARER': return hasInitial ? 0 : 1;
    case 'CRAM-MD5': return 1;
    case 'NTLM': return hasInitial ? 1 : 2;
    // Unknown mechanisms (GSSAPI, SCRAM-*, DIGEST-MD5): responses until the server's final reply.
    default: return Number.POSITIVE_INFINITY;
  }
}

export class AuthExchange {
  /** A known SASL mechanism name (sasl.ts) or "unknown". */
  readonly mechanism: string;
  user: string | undefined;
  password: string | undefined;
  result: AuthResult = 'unknown';
  /** The credentials crossed unencrypted (no STARTTLS before the AUTH). Set by the session. */
  cleartext = true;
  /** Client responses still expected before the client returns to commands (optimistic). */
  expected: number;

  /** LOGIN challenges seen (334), in order, capped at MAX_PROMPTS. */
  private readonly prompts: PromptKind[] = [];
  /** Client responses decoded so far, the initial response included. */
  private responses = 0;
  private readonly hasInitial: boolean;

  constructor(mechanism: string, initial: Buffer | null) {
    this.mechanism = mechanismName(mechanism);
    const hasInitial = initial !== null && initial.length > 0;
    this.hasInitial = hasInitial;
    this.expected = responsesExpected(this.mechanism, hasInitial);
    this.initialMalformed = false;
    if (hasInitial) {
      // RFC 4954 §4: "=" alone is an initial response of zero length. It still answers the
      // mechanism's first step (LOGIN: an empty user), so the next line answers the second.
      if (initial.length === 1 && initial[0] === 0x3d) {
        this.responses = 1;
        if (this.mechanism === 'LOGIN') this.user = '';
      } else this.initialMalformed = this.decode(initial) === 'malformed';
    }
  }

  /** The initial response on the AUTH line did not decode. */
  readonly initialMalformed: boolean;

  /** One client response line while the exchange is open. */
  onResponse(line: Buffer): ResponseOutcome {
    this.expected--;
    if (line.length === 1 && line[0] === 0x2a) {
      this.expected = 0;
      this.result = 'failure';
      return 'cancel';
    }
    return this.decode(line);
  }

  /** A 334 challenge's text (LOGIN's prompts say which answer is the user). */
  onChallenge(text: string): void {
    if (this.prompts.length < MAX_PROMPTS) this.prompts.push(classifyPrompt(text));
  }

  /** A server reply to the exchange: 334 continues it, anything else ends it. Returns true when ended. */
  onReply(code: number): boolean {
    if (code === 334) return false;
    if (code >= 200 && code < 300) this.result = 'success';
    else if (code >= 400) this.result = 'failure';
    this.expected = 0;
    return true;
  }

  facts(logPasswords: boolean): AuthFacts {
    const f: AuthFacts = { mechanism: this.mechanism, result: this.result, cleartext: this.cleartext };
    if (this.user !== undefined) f.user = this.user;
    if (logPasswords && this.password !== undefined) f.password = this.password;
    return f;
  }

  private decode(line: Buffer): ResponseOutcome {
    const index = this.responses++;
    const bytes = decodeBase64(line);
    if (bytes === null) return 'malformed';
    switch (this.mechanism) {
      case 'LOGIN':
        if (this.loginAnswers(index) === 'user') this.user = bytes.toString('utf8');
        else this.password = bytes.toString('utf8');
        return 'ok';
      case 'PLAIN':
        return this.decodePlain(bytes);
      case 'CRAM-MD5': {
        const s = bytes.toString('utf8');
        const sp = s.lastIndexOf(' ');
        if (sp <= 0) return 'malformed';
        this.user = s.slice(0, sp);
        return 'ok';
      }
      case 'XOAUTH2':
      case 'OAUTHBEARER':
        return this.decodeOauth(bytes.toString('utf8'));
      case 'NTLM':
        return this.decodeNtlm(bytes);
      default:
        return 'ok';
    }
  }

  /**
   * Which LOGIN prompt response `index` answers. The initial response is the user (RFC 4954 §4
   * on LOGIN's first step); later ones answer the 334 challenge of the same rank when it was seen
   * (a server that re-prompts for the user: the last answer to a username prompt is the user).
   * Without a classified prompt (one-sided capture, odd text), the order decides: only the first
   * answer can be the user, every later one is a secret.
   */
  private loginAnswers(index: number): 'user' | 'password' {
    if (index === 0 && this.hasInitial) return 'user';
    const prompt = this.prompts[this.hasInitial ? index - 1 : index];
    if (prompt === 'user' || prompt === 'password') return prompt;
    return index === 0 ? 'user' : 'password';
  }

  /** RFC 4616: [authzid] NUL authcid NUL passwd. */
  private decodePlain(bytes: Buffer): ResponseOutcome {
    const a = bytes.indexOf(0);
    const b = a < 0 ? -1 : bytes.indexOf(0, a + 1);
    if (b < 0) return 'malformed';
    this.user = bytes.toString('utf8', a + 1, b);
    this.password = bytes.toString('utf8', b + 1);
    return 'ok';
  }

  /** XOAUTH2 "user=U^Aauth=Bearer T^A^A"; OAUTHBEARER GS2 header "n,a=U," then the same pairs (RFC 7628 §3.1). */
  private decodeOauth(s: string): ResponseOutcome {
    if (s.length === 0) return 'ok'; // the empty response after an error challenge
    const fields = s.split('\x01');
    let user: string | undefined;
    let token: string | undefined;
    const gs2 = fields[0]!;
    if (this.mechanism === 'OAUTHBEARER' && (gs2.startsWith('n,') || gs2.startsWith('y,') || gs2.startsWith('p='))) {
      for (const part of gs2.split(',')) {
        if (part.startsWith('a=')) user = part.slice(2).replace(/=2C/g, ',').replace(/=3D/g, '=');
      }
    }
    for (const f of fields) {
      if (f.startsWith('user=')) user ??= f.slice(5);
      else if (f.startsWith('auth=')) token = f.slice(5);
    }
    if (user === undefined && token === undefined) return 'malformed';
    this.user = user;
    this.password = token;
    return 'ok';
  }

  /** NTLM AUTHENTICATE (type 3, MS-NLMP §2.2.1.3): user and domain, UTF-16LE when NEGOTIATE_UNICODE. */
  private decodeNtlm(bytes: Buffer): ResponseOutcome {
    if (ntlmCheck(bytes) === 'malformed') return 'malformed';
    if (bytes.readUInt32LE(8) !== 3) return 'ok'; // NEGOTIATE (type 1) carries no identity
    if (bytes.length < 52) return 'malformed';
    // Old type 3 messages end before the flags field: OEM strings then.
    const flags = bytes.length >= 64 ? bytes.readUInt32LE(60) : 0;
    const unicode = (flags & 0x1) !== 0;
    const domain = ntlmField(bytes, 28, unicode);
    const user = ntlmField(bytes, 36, unicode);
    if (domain === null || user === null) return 'malformed';
    this.user = domain.length > 0 ? `${domain}\\${user}` : user;
    return 'ok';
  }
}

const NTLMSSP = Buffer.from('NTLMSSP\0', 'latin1');

function ntlmCheck(bytes: Buffer): ResponseOutcome {
  return bytes.length >= 12 && bytes.subarray(0, 8).equals(NTLMSSP) ? 'ok' : 'malformed';
}

/** A security buffer (len u16, maxlen u16, offset u32) read as text; null when out of bounds. */
function ntlmField(bytes: Buffer, at: number, unicode: boolean): string | null {
  const len = bytes.readUInt16LE(at);
  const off = bytes.readUInt32LE(at + 4);
  if (off + len > bytes.length) return null;
  return bytes.toString(unicode ? 'utf16le' : 'latin1', off, off + len);
}
