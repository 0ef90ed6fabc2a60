// The AUTH command's argument (RFC 4954 §4): `AUTH SP mechanism [SP initial-response]`, read
// leniently (any run of spaces or tabs separates, as servers accept it) and reported strictly:
// the mechanism is written only when it is a known SASL mechanism name, otherwise "unknown".
//
// Why a list, not the RFC 4422 §3.1 syntax alone ([A-Z0-9-_]{1,20}): the field is attacker
// controlled and lands in every event. A client that puts its base64 credentials where the
// mechanism belongs (`AUTH dXNlcjpwYXNzd29yZA`, `AUTH\tPLAIN\t<base64>` read by a space-only
// splitter) sends a string that, case-folded, often IS syntax-valid: base64 of a 12-byte secret
// is 16 letters and digits. A name from the IANA "SASL Mechanisms" registry (plus the deployed
// unregistered XOAUTH2/XOAUTH/MSN and the registered SCRAM-*/GS2-* families) cannot carry a
// secret. Pure; no state.
import { HTAB, SP } from '../shared/bytes.js';

/** IANA SASL Mechanisms registry names (COMMON, LIMITED and OBSOLETE) and deployed extras. */
const KNOWN = new Set([
  'ANONYMOUS', 'CRAM-MD5', 'DIGEST-MD5', 'EAP-AES128', 'EAP-AES128-PLUS', 'ECDH-X25519-CHALLENGE',
  'ECDSA-NIST256P-CHALLENGE', 'EXTERNAL', 'GSS-SPNEGO', 'GSSAPI', 'KERBEROS_V4', 'KERBEROS_V5',
  'LOGIN', 'NMAS-SAMBA-AUTH', 'NMAS_AUTHEN', 'NMAS_LOGIN', 'NTLM', 'OAUTH10A', 'OAUTHBEARER',
  'OPENID20', 'OTP', 'PLAIN', 'SAML20', 'SECURID', 'SKEY', 'SPNEGO', 'SPNEGO-PLUS', 'SXOVER-PLUS',
  '9798-M-DSA-SHA1', '9798-M-ECDSA-SHA1', '9798-M-RSA-SHA1-ENC', '9798-U-DSA-SHA1',
  '9798-U-ECDSA-SHA1', '9798-U-RSA-SHA1-ENC',
  // Not registered, widely deployed: Google/Microsoft OAuth 2.0 and Microsoft's SPA (NTLM).
  'XOAUTH', 'XOAUTH2', 'MSN',
]);

/** Registered families (RFC 5802 SCRAM-*, RFC 5801 GS2-*): the hash or GSS mechanism varies. */
const FAMILY = /^(SCRAM-SHA(3)?-(1|224|256|384|512)(-PLUS)?|GS2-[A-Z0-9_-]+)$/;

/** RFC 4422 §3.1: sasl-mech = 1*20mech-char; mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE. */
const SYNTAX = /^[A-Z0-9_-]{1,20}$/;

/** The mechanism field's value when the client's word is not a known mechanism name. */
export const UNKNOWN_MECHANISM = 'unknown';

export interface AuthArg {
  /** Upper-case known mechanism name, or "unknown". */
  mechanism: string;
  /** The initial response (a view, trailing blanks kept for the decoder), or null when absent. */
  initial: Buffer | null;
}

function isBlank(b: number): boolean {
  return b === SP || b === HTAB;
}

/** A mechanism word (any case) → its canonical name, or "unknown". */
export function mechanismName(word: string): string {
  const m = word.toUpperCase();
  if (!SYNTAX.test(m)) return UNKNOWN_MECHANISM;
  return KNOWN.has(m) || FAMILY.test(m) ? m : UNKNOWN_MECHANISM;
}

/** AUTH's argument (after the verb and its blanks): mechanism word, blanks, initial response. */
export function parseAuthArg(arg: Buffer): AuthArg {
  let i = 0;
  while (i < arg.length && isBlank(arg[i]!)) i++;
  const start = i;
  while (i < arg.length && !isBlank(arg[i]!)) i++;
  const word = arg.toString('latin1', start, i);
  while (i < arg.length && isBlank(arg[i]!)) i++;
  return { mechanism: mechanismName(word), initial: i < arg.length ? arg.subarray(i) : null };
}
