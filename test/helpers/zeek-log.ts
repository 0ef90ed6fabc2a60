// Reads a Zeek ASCII log as btest baselines store it (smtp.log, files.log): the `#separator`,
// `#set_separator`, `#empty_field`, `#unset_field` and `#fields`/`#types` headers, then one
// tab-separated row per line. Unset values become null, container types (set/vector) string arrays.
// `zeek-cut` output (*.cut baselines) has no headers: its first line names the fields, all strings.
// Test-only: baselines are small, so plain string handling is fine here.

export type ZeekValue = string | string[] | null;
export type ZeekRow = Record<string, ZeekValue>;

export interface ZeekLog {
  path: string;
  fields: string[];
  types: string[];
  rows: ZeekRow[];
}

/** Zeek writes separators and non-printable bytes inside values as \xNN. */
function unescape(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function isContainer(type: string): boolean {
  return type.startsWith('set[') || type.startsWith('vector[') || type.startsWith('table[');
}

export function parseZeekLog(text: string): ZeekLog {
  let sep = '\t';
  let setSep = ',';
  let empty = '(empty)';
  let unset = '-';
  let path = '';
  let fields: string[] = [];
  let types: string[] = [];
  const rows: ZeekRow[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      // `#separator` is itself separated by a space (its value is the escaped separator).
      if (line.startsWith('#separator ')) {
        sep = unescape(line.slice('#separator '.length));
        continue;
      }
      const parts = line.split(sep);
      const key = parts[0];
      const rest = parts.slice(1);
      if (key === '#set_separator') setSep = unescape(rest[0] ?? ',');
      else if (key === '#empty_field') empty = rest[0] ?? empty;
      else if (key === '#unset_field') unset = rest[0] ?? unset;
      else if (key === '#path') path = rest[0] ?? '';
      else if (key === '#fields') fields = rest;
      else if (key === '#types') types = rest;
      continue;
    }
    const cols = line.split(sep);
    if (fields.length === 0) {
      fields = cols.filter((c) => c !== '');
      continue;
    }
    const row: ZeekRow = {};
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i]!;
      const raw = cols[i] ?? unset;
      const type = types[i] ?? 'string';
      if (raw === unset) row[name] = null;
      else if (isContainer(type)) row[name] = raw === empty ? [] : raw.split(setSep).map(unescape);
      else row[name] = raw === empty ? '' : unescape(raw);
    }
    rows.push(row);
  }
  return { path, fields, types, rows };
}

/** A scalar field as a string, or null when unset (throws on a container: a test bug). */
export function zeekString(row: ZeekRow, field: string): string | null {
  const v = row[field];
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) throw new Error(`${field} is a container`);
  return v;
}

/** A container field as an array ([] when unset or empty). */
export function zeekList(row: ZeekRow, field: string): string[] {
  const v = row[field];
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}
