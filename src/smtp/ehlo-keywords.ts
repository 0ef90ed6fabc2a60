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

/** The keywords by length (one short list per length, most lengths have none). */
const BY_LENGTH: (readonly string[] | undefined)[] = [];
for (const k of KNOWN_EHLO_KEYWORDS) ((BY_LENGTH[k.length] ??= []) as string[]).push(k);

/** The known keyword that buf[start, end) spells exactly (same case), or null. */
export function knownKeywordAt(buf: Buffer, start: number, end: number): string | null {
  const list = BY_LENGTH[end - start];
  if (list === undefined) return null;
  for (const k of list) {
    let i = 0;
    while (i < k.length && buf[start + i] === k.charCodeAt(i)) i++;
    if (i === k.length) return k;
  }
  return null;
}
