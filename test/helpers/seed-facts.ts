// The transaction facts test/fixtures/seed/README.md requires for session.pcap, in one place: the
// SMTP engine's unit test and the end-to-end read test both check them.
export const SEED_SESSION_TRANSACTION = {
  helo: 'SMTP.163.com',
  auth: { mechanism: 'LOGIN', user: 'costa@amaxit.net', result: 'success', cleartext: true },
  mail_from: 'bripengandre@163.com',
  rcpt_to: ['bripengandre@smail.hust.edu.cn'],
  status: 'accepted',
  reply: { code: 250, text: 'Message sent' },
  data_bytes: 24,
  trans_depth: 1,
  tls: false,
} as const;

/** Every field of SEED_SESSION_TRANSACTION, compared deeply, named on failure. */
export function seedSessionFactsOf(t: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(SEED_SESSION_TRANSACTION)) out[k] = (t as Record<string, unknown>)[k];
  return out;
}
