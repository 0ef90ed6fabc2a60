// The EHLO keywords servers advertise (RFC 5321 §4.1.1.1; IANA "SMTP Service Extensions"
// registry, plus AUTH=LOGIN and the common vendor ones), each one shared string. Sessions keep the
// table's string instead of a copy sliced from their reply (issue 12: ~130 bytes per idle session
// for a Postfix EHLO reply), and a reply line whose text is exactly one of them is recognised from
// its bytes, with no string made for it (issue 12 item 6: most lines of an EHLO reply). Pure.

export const KNOWN_EHLO_KEYWORDS: readonly string[] = [
  '8BITMIME', 'ATRN', 'AUTH', 'AUTH=LOGIN', 'BINARYMIME', 'BURL', 'CHECKPOINT', 'CHUNKING', 'CONNEG',
  'CONPERM', 'DELIVERBY', 'DSN', 'ENHANCEDSTATUSCODES', 'ETRN', 'EXPN', 'FUTURERELEASE', 'HELP',
  'LIMITS', 'MT-PRIORITY', 'MTRK', 'NO-SOLICITING', 'ONEX', 'PIPE-CONNECT', 'PIPELINING', 'REQUIRETLS',
  'RRVS', 'SAML', 'SEND', 'SIZE', 'SMTPUTF8', 'SOML', 'STARTTLS', 'TURN', 'UTF8SMTP', 'VERB', 'VRFY',
  'X-EXPS', 'X-LINK2STATE', 'XCLIENT', 'XEXCH50', 'XFORWARD', 'XRDST', 'XUSR',
];

const MAX_LENGTH = Math.max(...KNOWN_EHLO_KEYWORDS.map((k) => k.length));

/**
 * The keywords by length and first byte ((length << 8) | byte): one to four share a slot. Filled
 * in full so V8 keeps it a flat array (a sparse one becomes a hash table).
 */
const BY_START: (readonly string[] | null)[] = new Array<readonly string[] | null>((MAX_LENGTH + 1) << 8).fill(null);
for (const k of KNOWN_EHLO_KEYWORDS) {
  const at = (k.length << 8) | k.charCodeAt(0);
  BY_START[at] = [...(BY_START[at] ?? []), k];
}

/** The known keyword that buf[start, end) spells exactly (same case), or null. */
export function knownKeywordAt(buf: Buffer, start: number, end: number): string | null {
  const n = end - start;
  if (n <= 0 || n > MAX_LENGTH) return null;
  const list = BY_START[(n << 8) | buf[start]!]!;
  if (list === null) return null;
  for (let j = 0; j < list.length; j++) {
    const k = list[j]!;
    let i = 1;
    while (i < n && buf[start + i] === k.charCodeAt(i)) i++;
    if (i === n) return k;
  }
  return null;
}
