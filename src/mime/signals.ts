// SPEC §3.1 signals this engine can see: envelope_from_mismatch, reply_to_differs,
// display_name_has_address, attachment_type_mismatch (auth_cleartext is the SMTP layer's).
// Domains are compared exactly, lower-case (no public-suffix folding: a cheap signal, not a verdict).
import type { AddressRecord } from './types.js';

export type MimeSignal = 'envelope_from_mismatch' | 'reply_to_differs' | 'display_name_has_address' | 'attachment_type_mismatch';

const EMBEDDED_ADDR_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) return undefined;
  const d = address.slice(at + 1).trim();
  // A root-anchored domain ("example.org.") is the same domain; one check, not a regex per call.
  return (d.endsWith('.') ? d.slice(0, -1) : d).toLowerCase();
}

export interface SignalInput {
  mailFrom: string | undefined;
  from: AddressRecord[] | undefined;
  replyTo: AddressRecord[] | undefined;
  typeMismatch: boolean;
}

export function computeSignals(s: SignalInput): MimeSignal[] {
  const out: MimeSignal[] = [];
  const first = s.from?.[0];
  const fromDomain = first !== undefined ? domainOf(first.address) : undefined;
  if (s.mailFrom !== undefined && s.mailFrom !== '' && fromDomain !== undefined) {
    const env = domainOf(s.mailFrom);
    if (env !== undefined && env !== fromDomain) out.push('envelope_from_mismatch');
  }
  if (fromDomain !== undefined && s.replyTo !== undefined) {
    for (const r of s.replyTo) {
      const d = domainOf(r.address);
      if (d !== undefined && d !== fromDomain) {
        out.push('reply_to_differs');
        break;
      }
    }
  }
  if (s.from !== undefined) {
    outer: for (const f of s.from) {
      // No '@', no address in the name (skips the regex scan for nearly every display name).
      if (f.name === undefined || !f.name.includes('@')) continue;
      for (const m of f.name.matchAll(EMBEDDED_ADDR_RE)) {
        if (m[0].toLowerCase() !== f.address.toLowerCase()) {
          out.push('display_name_has_address');
          break outer;
        }
      }
    }
  }
  if (s.typeMismatch) out.push('attachment_type_mismatch');
  return out;
}
