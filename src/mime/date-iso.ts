// RFC 5322 date-time → ISO-8601, shared by the message record (`date_iso`) and the Received hops
// (their own file so received-hop.ts does not import message-record.ts, which imports it back
// through top-fields.ts).

export function parseDateIso(v: string): string | undefined {
  // RFC 5322 §3.3 date-time; comments such as "(CST)" are dropped before parsing.
  const t = Date.parse(v.replace(/\([^)]*\)/g, ' ').trim());
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}
