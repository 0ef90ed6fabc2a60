// URLs in body text (SPEC §3.1 `urls`): http, https and ftp with any host, IPv6 literals included
// (RFC 3986 §3.2.2 `[2001:db8::1]`); `www.` without a scheme, reported as `http://www…` (what a
// mail client makes a link of); in HTML, protocol-relative `//host/…` in an attribute value,
// reported as `http://host/…`. Pure: text in, URLs out through a callback.

/** Characters that end a URL (RFC 3986 excludes them; `[` `]` only around an IPv6 host). */
const TAIL = `[^\\s"'<>\`{}|\\\\^[\\]]`;
const HOST6 = '\\[[0-9A-Fa-f:.]+\\]';
const ALTERNATIVES = [
  // 1: scheme URL, IPv6 literal allowed right after `://` (and after userinfo)
  `((?:https?|ftp):\\/\\/(?:${TAIL}*@)?(?:${HOST6})?${TAIL}*)`,
  // 2: www. with no scheme; not inside a longer name, a path or an address
  `(?=www\\.)(?<![\\w.@/:-])(www\\.[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+${TAIL}*)`,
];
/** 3 (HTML only): an attribute value starting with `//` (a link on the page's own scheme).
 * Each lookbehind sits after a cheap lookahead, so most positions fail on one character. */
const PROTO_REL = `(?=\\/\\/)(?<==\\s*["']?)(\\/\\/(?:${HOST6}|[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)+)${TAIL}*)`;
const URL_RE = new RegExp(ALTERNATIVES.join('|'), 'gi');
const HTML_URL_RE = new RegExp([...ALTERNATIVES, PROTO_REL].join('|'), 'gi');
const TRAILING_PUNCT_RE = /[.,;:!?)]+$/;
const HAS_CANDIDATE_RE = /:\/\/|www\./i;

/** Calls `add` with each URL of `text` as reported (scheme added where there was none). */
export function scanUrls(text: string, html: boolean, maxChars: number, add: (url: string) => void): void {
  if (!HAS_CANDIDATE_RE.test(text) && !(html && text.indexOf('//') >= 0)) return;
  const emit = (raw: string, prefix: string): void => {
    let url = prefix + raw.replace(TRAILING_PUNCT_RE, '');
    if (html) url = url.replace(/&amp;/gi, '&');
    if (url.length > maxChars) url = url.slice(0, maxChars);
    if (url.length > 8) add(url);
  };
  // One pass, so URLs come out in the order of the text.
  const re = html ? HTML_URL_RE : URL_RE;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[1] !== undefined) emit(m[1], '');
    else if (m[2] !== undefined) emit(m[2], 'http://');
    else emit(m[3]!, 'http:');
  }
}
