// Issue 15 items 1-3 through the whole session (split at every offset): a credential never lands
// in `auth.user` or `auth.mechanism`, and it is written as `password` only with log_passwords.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSplitInvariant } from '../../helpers/smtp-script.js';
import type { Step } from '../../helpers/smtp-script.js';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function session(exchange: Step[]): Step[] {
  return [
    { s: '220 mx\r\n' }, { c: 'EHLO a\r\n' }, { s: '250-mx\r\n250 AUTH LOGIN PLAIN\r\n' },
    ...exchange,
    { c: 'MAIL FROM:<a@example.org>\r\n' }, { s: '250 ok\r\n' },
  ];
}

const cases: { name: string; steps: Step[]; mechanism: string; user: string | undefined; password: string | undefined }[] = [
  {
    name: 'AUTH LOGIN = (empty initial response): the next line answers "Password:"',
    steps: [{ c: 'AUTH LOGIN =\r\n' }, { s: '334 UGFzc3dvcmQ6\r\n' }, { c: `${b64('Secr3tPassw0rd')}\r\n` }, { s: '235 ok\r\n' }],
    mechanism: 'LOGIN', user: '', password: 'Secr3tPassw0rd',
  },
  {
    name: 'AUTH<TAB>PLAIN<TAB>initial response',
    steps: [{ c: `AUTH\tPLAIN\t${b64('\0joe\0Hunter22x')}\r\n` }, { s: '235 ok\r\n' }],
    mechanism: 'PLAIN', user: 'joe', password: 'Hunter22x',
  },
  {
    name: 'several spaces and tabs between the words',
    steps: [{ c: `auth  \tplain   ${b64('\0ann\0Tr0ub4dor&3')} \r\n` }, { s: '235 ok\r\n' }],
    mechanism: 'PLAIN', user: 'ann', password: 'Tr0ub4dor&3',
  },
  {
    name: 'LOGIN with a tab before the initial user',
    steps: [{ c: `AUTH LOGIN\t${b64('kim')}\r\n` }, { s: '334 UGFzc3dvcmQ6\r\n' }, { c: `${b64('k1m-secret')}\r\n` }, { s: '235 ok\r\n' }],
    mechanism: 'LOGIN', user: 'kim', password: 'k1m-secret',
  },
  {
    name: 'base64 credentials where the mechanism belongs',
    steps: [{ c: `AUTH ${b64('joe:Passw0rdzz')}\r\n` }, { s: '535 no\r\n' }],
    mechanism: 'unknown', user: undefined, password: undefined,
  },
  {
    name: 'a server that re-prompts for the username',
    steps: [
      { c: 'AUTH LOGIN\r\n' }, { s: '334 VXNlcm5hbWU6\r\n' }, { c: `${b64('wrong.user')}\r\n` },
      { s: '334 VXNlcm5hbWU6\r\n' }, { c: `${b64('right.user')}\r\n` },
      { s: '334 UGFzc3dvcmQ6\r\n' }, { c: `${b64('Corr3ctHorse')}\r\n` }, { s: '235 ok\r\n' },
    ],
    mechanism: 'LOGIN', user: 'right.user', password: 'Corr3ctHorse',
  },
];

for (const c of cases) {
  test(`AUTH credentials: ${c.name}`, () => {
    const r = assertSplitInvariant(session(c.steps), {}, 3);
    const auth = r.sessions[0]!.auth!;
    assert.equal(auth.mechanism, c.mechanism);
    assert.equal(auth.user, c.user);
    assert.equal(auth.password, undefined);
    assert.deepEqual(r.transactions[0]!.auth, auth);
    assert.equal(r.transactions[0]!.mail_from, 'a@example.org', 'commands resume after the exchange');
    if (c.password !== undefined) {
      const text = JSON.stringify(r);
      for (const form of [c.password, b64(c.password), b64(c.password).toUpperCase()]) assert.ok(!text.includes(form), form);
    }
    const logged = assertSplitInvariant(session(c.steps), { logPasswords: true }, 7);
    assert.equal(logged.sessions[0]!.auth!.password, c.password);
  });
}
