// Header field names as most mail writes them, recognised from their bytes so that the header
// walker makes no string for them: every header line of every message used to cost two (the name
// as written, for header_names, and its lower case, for the field lookups), ~3% of a short
// message's parse (issue 12 item 6). A name written any other way ("CONTENT-TYPE", "X-Foo") is
// not in the table and is read as before; the table only ever answers with the exact bytes' text.
// Pure; the table is built once.

export interface KnownName {
  /** The name exactly as its bytes spell it. */
  readonly written: string;
  /** Its lower case (RFC 5322 §1.2.2: names are case-insensitive). */
  readonly lower: string;
}

const WRITTEN = [
  'Date', 'From', 'To', 'Cc', 'Bcc', 'Subject', 'Sender', 'Reply-To', 'Message-ID', 'Message-Id',
  'In-Reply-To', 'References', 'MIME-Version', 'Mime-Version', 'Content-Type', 'Content-type',
  'Content-Transfer-Encoding', 'Content-Disposition', 'Content-ID', 'Content-Language',
  'Content-Description', 'Received', 'Return-Path', 'Delivered-To', 'X-Mailer', 'User-Agent',
  'X-Originating-IP', 'DKIM-Signature', 'Authentication-Results', 'ARC-Seal',
  'ARC-Message-Signature', 'ARC-Authentication-Results', 'Received-SPF', 'X-Priority',
  'Importance', 'Thread-Index', 'Thread-Topic', 'List-Unsubscribe', 'List-Id', 'List-ID',
  'Precedence', 'X-Spam-Status', 'X-Spam-Score', 'X-Received', 'Accept-Language', 'Organization',
  'X-MS-Has-Attach', 'X-MS-TNEF-Correlator', 'X-MimeOLE', 'Disposition-Notification-To',
  'Auto-Submitted', 'Feedback-ID', 'X-Google-DKIM-Signature', 'X-Gm-Message-State',
  'X-Google-Smtp-Source', 'DomainKey-Signature',
];

/** Length, first and last byte: a key that leaves at most a few names to compare byte by byte. */
function keyOf(len: number, first: number, last: number): number {
  return (len << 16) | (first << 8) | last;
}

const TABLE = new Map<number, KnownName[]>();
for (const written of WRITTEN) {
  const k = keyOf(written.length, written.charCodeAt(0), written.charCodeAt(written.length - 1));
  const list = TABLE.get(k) ?? [];
  list.push({ written, lower: written.toLowerCase() });
  TABLE.set(k, list);
}

/** The known name spelt by buf[start, end), or undefined (then the caller makes the strings). */
export function knownName(buf: Buffer, start: number, end: number): KnownName | undefined {
  const len = end - start;
  if (len <= 0) return undefined;
  const list = TABLE.get(keyOf(len, buf[start]!, buf[end - 1]!));
  if (list === undefined) return undefined;
  for (let n = 0; n < list.length; n++) {
    const w = list[n]!.written;
    let i = 1;
    while (i < len - 1 && w.charCodeAt(i) === buf[start + i]) i++;
    if (i >= len - 1) return list[n];
  }
  return undefined;
}
