// One DKIM-Signature header's tags (RFC 6376 §3.5) for the SPEC §3.1 `dkim` entry: d, s, a, h,
// i, t, x; never verified (no DNS, no body hash). Tag-list syntax (§3.2): `name=value` pairs
// separated by `;`, names case-sensitive, folding whitespace allowed anywhere in a value and
// removed here (h= and b= are folded in practice). A name seen twice keeps its first value (§3.2
// makes such a list invalid; the first is what a reader of the header sees). `i` is
// dkim-quoted-printable (§2.11) and is decoded. Pure.
import type { DkimRecord } from './types.js';

const KEPT = ['d', 's', 'a', 'h', 'i', 't', 'x'] as const;
type Kept = (typeof KEPT)[number];
const KEPT_SET: ReadonlySet<string> = new Set(KEPT);
const FWS = /[ \t\r\n]+/g;

/** RFC 6376 §2.11: `=XX` is the octet XX; the octets are UTF-8 (RFC 6376 §3.5 allows 8-bit i=). */
function decodeDkimQp(v: string): string {
  if (!v.includes('=')) return v;
  const bytes: number[] = [];
  const raw = Buffer.from(v, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const hex = i + 2 < raw.length && raw[i] === 0x3d ? raw.toString('latin1', i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(raw[i]!);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseDkimSignature(value: string): DkimRecord {
  const found = new Map<Kept, string>();
  for (const spec of value.split(';')) {
    const eq = spec.indexOf('=');
    if (eq < 0) continue;
    const name = spec.slice(0, eq).replace(FWS, '');
    if (!KEPT_SET.has(name) || found.has(name as Kept)) continue;
    found.set(name as Kept, spec.slice(eq + 1).replace(FWS, ''));
  }
  const rec: DkimRecord = {};
  for (const k of KEPT) {
    const v = found.get(k);
    if (v !== undefined) rec[k] = k === 'i' ? decodeDkimQp(v) : v;
  }
  return rec;
}
