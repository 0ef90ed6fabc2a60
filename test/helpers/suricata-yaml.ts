// Reads a suricata-verify test.yaml (its `pcap`, `requires` and `checks`) and evaluates eve.json
// paths the way its runner does: `a.b[0]` walks objects and arrays, `has-key`/`not-has-key` test
// presence. Owns nothing; consumes the YAML text, produces filters. What a key MEANS for mailtap
// (the mapping to our events) lives in the test that uses this, not here.
import { parse as parseYaml } from 'yaml';

export interface SvFilter {
  /** Position in `checks` (for messages). */
  index: number;
  count: number;
  match: Record<string, unknown>;
  /** `requires.min-version` / `requires.lt-version` of this filter, when present. */
  minVersion?: string;
  ltVersion?: string;
}

export interface SvTest {
  /** The capture, relative to the test's folder (`input.pcap` when the file does not say). */
  pcap: string;
  filters: SvFilter[];
  /** Kinds of the other checks (`stats`, `shell` …), which carry no eve event fields. */
  otherChecks: string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function versionOf(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

export function parseSuricataVerify(text: string): SvTest {
  const doc: unknown = parseYaml(text);
  const root = isObj(doc) ? doc : {};
  const checks = Array.isArray(root.checks) ? (root.checks as unknown[]) : [];
  const filters: SvFilter[] = [];
  const otherChecks: string[] = [];
  checks.forEach((c, index) => {
    if (!isObj(c)) return;
    const f = c.filter;
    if (!isObj(f)) {
      otherChecks.push(...Object.keys(c));
      return;
    }
    const req = isObj(f.requires) ? f.requires : {};
    const filter: SvFilter = { index, count: Number(f.count ?? 1), match: isObj(f.match) ? f.match : {} };
    const min = versionOf(req['min-version']);
    const lt = versionOf(req['lt-version']);
    if (min !== undefined) filter.minVersion = min;
    if (lt !== undefined) filter.ltVersion = lt;
    filters.push(filter);
  });
  return { pcap: typeof root.pcap === 'string' ? root.pcap : 'input.pcap', filters, otherChecks };
}

/** Splits `smtp.rcpt_to[0]` into `['smtp', 'rcpt_to', 0]`. */
function pathParts(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const seg of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(seg);
    if (m === null) {
      parts.push(seg);
      continue;
    }
    if (m[1] !== '') parts.push(m[1]!);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
  }
  return parts;
}

/** The value at an eve path, and whether it exists. */
export function evePath(obj: unknown, path: string): { found: boolean; value: unknown } {
  let cur: unknown = obj;
  for (const p of pathParts(path)) {
    if (typeof p === 'number') {
      if (!Array.isArray(cur) || p >= cur.length) return { found: false, value: undefined };
      cur = cur[p];
    } else {
      if (!isObj(cur) || !(p in cur)) return { found: false, value: undefined };
      cur = cur[p];
    }
  }
  return { found: cur !== undefined, value: cur };
}

/** A `has-key` / `not-has-key` value: one path or a list of paths. */
export function keyList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return v === undefined || v === null ? [] : [String(v)];
}
