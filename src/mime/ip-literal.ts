// IP addresses as mail headers write them (RFC 5321 §4.1.3 address literals, Exchange's bare
// addresses), normalised to the text events use for src_ip/dst_ip (shared/ip-format.ts) so that
// `path` can drop repeats by string equality: `[10.000.000.002]` → `10.0.0.2`,
// `[IPv6:2001:DB8:0::1]` → `2001:db8::1`. Pure.
import { formatIp6 } from '../shared/ip-format.js';

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Dotted quad with each part read as decimal (RFC 5321 Snum: leading zeros are not octal): four
 * runs of 1-3 ASCII digits, each at most 255. Read by hand: the regex, map and join it replaced
 * were ~3% of a short message with one Received header (issue 12 item 6).
 */
function ipv4Text(text: string): string | undefined {
  let out = '';
  let dots = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (++digits > 3) return undefined;
      value = value * 10 + (c - 0x30);
    } else if (c === 0x2e && digits > 0 && value <= 255 && dots < 3) {
      out += `${value}.`;
      dots++;
      value = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  return dots === 3 && digits > 0 && value <= 255 ? `${out}${value}` : undefined;
}

/** Groups of one side of `::` (each 16 bits); a dotted quad is allowed as the last one. */
function groupsOf(side: string, last: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (last && i === parts.length - 1 && p.includes('.')) {
      const v4 = ipv4Text(p);
      if (v4 === undefined) return undefined;
      const b = v4.split('.').map(Number);
      out.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    } else if (HEX_GROUP.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

/** RFC 4291 §2.2 text (at most one `::`, an optional trailing dotted quad) → RFC 5952 text. */
function ipv6Text(text: string): string | undefined {
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  let groups: number[];
  if (dbl < 0) {
    const g = groupsOf(text, true);
    if (g === undefined || g.length !== 8) return undefined;
    groups = g;
  } else {
    const head = groupsOf(text.slice(0, dbl), false);
    const tail = groupsOf(text.slice(dbl + 2), true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i]! >>> 8;
    bytes[2 * i + 1] = groups[i]! & 0xff;
  }
  return formatIp6(bytes);
}

/**
 * An IP address written in a header, with or without brackets and the `IPv6:` tag, in the text
 * form events use; undefined when it is not an address.
 */
export function normaliseIp(written: string): string | undefined {
  let t = written.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1).trim();
  if (/^ipv6:/i.test(t)) return t.length > 5 ? ipv6Text(t.slice(5)) : undefined;
  if (t.includes(':')) return ipv6Text(t);
  return ipv4Text(t);
}
