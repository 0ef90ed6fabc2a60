// The lexical pieces structured mail headers share (RFC 5322 §3.2.2 CFWS, §3.2.4 quoted-string):
// comments nest and may hold quoted pairs; an unterminated comment or quote runs to the end of
// the value instead of failing (the values are attacker-written). Loops only, no recursion, so a
// deeply nested comment costs its length and no stack. Pure, over one unfolded value.

const BACKSLASH = '\\';

/** Index just after the comment opening at `s[i] === '('` (the end of `s` when unterminated). */
export function commentEnd(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (c === BACKSLASH) j++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j + 1;
  }
  return s.length;
}

/** Index just after the quoted string opening at `s[i] === '"'` (the end of `s` when unterminated). */
export function quotedEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === BACKSLASH) j++;
    else if (c === '"') return j + 1;
  }
  return s.length;
}

/** The content of a quoted string or comment slice (delimiters off, quoted pairs undone). */
export function innerText(slice: string, close: string): string {
  const body = slice.slice(1, slice.endsWith(close) && slice.length > 1 ? -1 : undefined);
  // Most comments hold no quoted pair: the regex replace, a copy, was ~1% of a short message.
  return body.includes(BACKSLASH) ? body.replace(/\\(.)/gs, '$1') : body;
}

export function isWsp(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** Skips whitespace and comments from `i`. */
export function skipCfws(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    if (isWsp(s[j])) j++;
    else if (s[j] === '(') j = commentEnd(s, j);
    else break;
  }
  return j;
}
