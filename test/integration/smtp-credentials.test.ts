// Issue 15 items 1-3 end to end: a capture built here, read by `mailtap read -`. Nothing the
// client sent inside an AUTH exchange, except the user its structure names, appears in any event
// or operator-log line (the password, its base64, its upper-cased base64, the line as sent), and
// with log_passwords the password does appear (the search bites).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventsOfType, readPcap, smtpPcapMany } from '../helpers/smtp-pcap.js';
import type { PcapStep } from '../helpers/smtp-pcap.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

interface Case {
  name: string;
  exchange: PcapStep[];
  mechanism: string;
  user: string | undefined;
  password: string;
  /** Lines as sent that carry the secret. */
  wire: string[];
}

const CASES: Case[] = [
  {
    name: 'AUTH LOGIN = then the password',
    exchange: [{ c: 'AUTH LOGIN =\r\n' }, { s: '334 UGFzc3dvcmQ6\r\n' }, { c: `${b64('Empty=Us3r-Pw')}\r\n` }, { s: '235 2.7.0 ok\r\n' }],
    mechanism: 'LOGIN', user: '', password: 'Empty=Us3r-Pw', wire: [b64('Empty=Us3r-Pw')],
  },
  {
    name: 'AUTH<TAB>PLAIN<TAB>credentials',
    exchange: [{ c: `AUTH\tPLAIN\t${b64('\0tab.user\0Tab-Secr3t!')}\r\n` }, { s: '235 2.7.0 ok\r\n' }],
    mechanism: 'PLAIN', user: 'tab.user', password: 'Tab-Secr3t!', wire: [b64('\0tab.user\0Tab-Secr3t!')],
  },
  {
    name: 'AUTH, several spaces, PLAIN, several spaces, credentials',
    exchange: [{ c: `AUTH   PLAIN    ${b64('\0sp.user\0Spaced0utPw')}\r\n` }, { s: '235 2.7.0 ok\r\n' }],
    mechanism: 'PLAIN', user: 'sp.user', password: 'Spaced0utPw', wire: [b64('\0sp.user\0Spaced0utPw')],
  },
  {
    name: 'base64 credentials where the mechanism belongs',
    exchange: [{ c: `AUTH ${b64('mech.user:Mech4nismPw')}\r\n` }, { s: '504 5.5.4 unrecognized authentication type\r\n' }],
    mechanism: 'unknown', user: undefined, password: 'Mech4nismPw', wire: [b64('mech.user:Mech4nismPw')],
  },
  {
    name: 'a server that re-prompts for the username',
    exchange: [
      { c: 'AUTH LOGIN\r\n' }, { s: '334 VXNlcm5hbWU6\r\n' }, { c: `${b64('first.try')}\r\n` },
      { s: '334 VXNlcm5hbWU6\r\n' }, { c: `${b64('second.try')}\r\n` },
      { s: '334 UGFzc3dvcmQ6\r\n' }, { c: `${b64('Repr0mpted-Pw')}\r\n` }, { s: '235 2.7.0 ok\r\n' },
    ],
    mechanism: 'LOGIN', user: 'second.try', password: 'Repr0mpted-Pw', wire: [b64('Repr0mpted-Pw')],
  },
];

function connection(c: Case): PcapStep[] {
  return [
    { s: '220 mx.example.net ESMTP\r\n' }, { c: 'EHLO client.example\r\n' }, { s: '250-mx.example.net\r\n250 AUTH PLAIN LOGIN\r\n' },
    ...c.exchange,
    { c: 'MAIL FROM:<a@example.org>\r\n' }, { s: '250 2.1.0 ok\r\n' }, { c: 'RCPT TO:<b@example.net>\r\n' }, { s: '250 2.1.5 ok\r\n' },
    { c: 'DATA\r\n' }, { s: '354 go\r\n' }, { c: 'Subject: hi\r\n\r\nhello\r\n.\r\n' }, { s: '250 2.0.0 queued\r\n' },
    { c: 'QUIT\r\n' }, { s: '221 bye\r\n' },
  ];
}

test('AUTH credentials in odd forms never reach an event or the log; the user and mechanism are right', async () => {
  const pcap = smtpPcapMany(CASES.map(connection));
  const [off, on] = await Promise.all([readPcap(pcap), readPcap(pcap, { MAILTAP_OUTPUT_LOG_PASSWORDS: 'true' })]);
  assert.equal(off.code, 0, off.text);
  assert.equal(on.code, 0, on.text);
  CASES.forEach((c, i) => {
    const port = 40123 + i;
    const [session] = eventsOfType(off, 'smtp_session', port);
    const [tx] = eventsOfType(off, 'smtp_transaction', port);
    assert.ok(session !== undefined && tx !== undefined, c.name);
    const auth = session.auth as Record<string, unknown>;
    assert.equal(auth.mechanism, c.mechanism, c.name);
    assert.equal(auth.user, c.user, c.name);
    assert.equal(auth.password, undefined, c.name);
    assert.deepEqual(tx.auth, auth, c.name);
    assert.equal(tx.status, 'accepted', `${c.name}: the session goes on after the exchange`);
    for (const form of [c.password, b64(c.password), b64(c.password).toUpperCase(), ...c.wire, ...c.wire.map((w) => w.toUpperCase())]) {
      assert.ok(!off.text.includes(form), `${c.name}: leaked as ${JSON.stringify(form)}`);
    }
    const shown = eventsOfType(on, 'smtp_session', port)[0]!.auth as Record<string, unknown>;
    // An unknown mechanism's responses are never decoded: nothing to show even with log_passwords.
    assert.equal(shown.password, c.mechanism === 'unknown' ? undefined : c.password, c.name);
  });
});
