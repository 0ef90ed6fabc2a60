// One Authentication-Results header (RFC 8601 §2.2) parsed into the SPEC §3.1 `auth_results`
// entry: the authserv-id (a version number after it is dropped), then each `;`-separated resinfo
// as {method, result, reason, props}. Comments and quoted strings may appear anywhere (CFWS);
// `none` means no result. Real-world variants handled: Microsoft 365 omits the authserv-id and
// writes `action=none`, `compauth=pass reason=100`; property values may hold `=` (header.b base64)
// and `@` (header.i=@example.com). Method, result and property names are case-insensitive
// keywords and are lower-cased; values are kept as written. Pure.
import { innerText, isWsp, quotedEnd, skipCfws } from './header-lexer.js';
import type { AuthResultRecord, AuthResultsRecord } from './types.js';

/** One `name = value` pair (value undefined when no `=` followed the name), or a lone word. */
interface Pair {
  name: string;
  value: string | undefined;
}

/** Ends a name: whitespace, a comment, `=`, `;`, a quote. */
function nameEnd(s: string, i: number): number {
  let j = i;
  while (j < s.length && !isWsp(s[j]) && s[j] !== '(' && s[j] !== '=' && s[j] !== ';' && s[j] !== '"') j++;
  return j;
}

/**
 * A value: a quoted string (unquoted), or a run up to CFWS or `;` (an address with a quoted
 * local-part, `"a b"@example.com`, is kept as written).
 */
function readValue(s: string, i: number): [string, number] {
  let j = i;
  if (s[j] === '"') {
    const e = quotedEnd(s, j);
    if (s[e] !== '@') return [innerText(s.slice(j, e), '"'), e];
  }
  while (j < s.length && !isWsp(s[j]) && s[j] !== '(' && s[j] !== ';') j = s[j] === '"' ? quotedEnd(s, j) : j + 1;
  return [s.slice(i, j), j];
}

/** The pairs and words of one resinfo (or of the authserv-id part), from `i` up to the next `;`. */
function readPairs(s: string, i: number): [Pair[], number] {
  const pairs: Pair[] = [];
  let j = skipCfws(s, i);
  while (j < s.length && s[j] !== ';') {
    let name: string;
    if (s[j] === '"') {
      const e = quotedEnd(s, j);
      name = innerText(s.slice(j, e), '"');
      j = e;
    } else if (s[j] === '=') {
      name = ''; // a value with no name: kept out of the record below
    } else {
      const e = nameEnd(s, j);
      name = s.slice(j, e);
      j = e;
    }
    const k = skipCfws(s, j);
    if (s[k] === '=') {
      const [value, e] = readValue(s, skipCfws(s, k + 1));
      pairs.push({ name, value });
      j = skipCfws(s, e);
    } else {
      if (name !== '') pairs.push({ name, value: undefined });
      j = k; // every branch above consumed at least one character
    }
  }
  return [pairs, j];
}

/** method[/version]=result, then reason= and ptype.property= pairs (RFC 8601 §2.2 resinfo). */
function resultOf(pairs: Pair[]): AuthResultRecord | undefined {
  const head = pairs.findIndex((p) => p.value !== undefined && p.name !== '');
  if (head < 0) return undefined;
  const method = pairs[head]!.name.split('/')[0]!.trim().toLowerCase();
  if (method === '') return undefined; // `/1=pass`: a version with no method
  let reason: string | undefined;
  // A Map, not an object, while collecting: `__proto__` is a name like any other here.
  const seen = new Map<string, string>();
  for (const p of pairs.slice(head + 1)) {
    if (p.value === undefined || p.name === '') continue;
    const key = p.name.toLowerCase();
    if (key === 'reason') reason ??= p.value;
    else if (!seen.has(key)) seen.set(key, p.value);
  }
  const result = pairs[head]!.value!.toLowerCase();
  const props = Object.fromEntries(seen);
  return reason === undefined ? { method, result, props } : { method, result, reason, props };
}

export function parseAuthResults(value: string): AuthResultsRecord | undefined {
  const results: AuthResultRecord[] = [];
  let authservId: string | undefined;
  let [pairs, i] = readPairs(value, 0);
  if (pairs.length === 0 && i >= value.length) return undefined;
  // The first part is `authserv-id [version]`, unless it already holds a method=result
  // (Microsoft 365 writes no authserv-id).
  if (pairs.length > 0 && pairs[0]!.value === undefined) {
    authservId = pairs[0]!.name;
    pairs = pairs.slice(1).filter((p) => !/^\d+$/.test(p.name) || p.value !== undefined);
  }
  const first = resultOf(pairs);
  if (first !== undefined) results.push(first);
  while (i < value.length) {
    [pairs, i] = readPairs(value, i + 1);
    const r = resultOf(pairs);
    if (r !== undefined) results.push(r);
  }
  return authservId === undefined ? { results } : { authserv_id: authservId, results };
}
