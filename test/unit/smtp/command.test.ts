import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argText, parseBdatArg, parseCommand, parseCommandAt, parsePathArg } from '../../../src/smtp/command.js';

const cmd = (s: string): [string, string] => {
  const c = parseCommand(Buffer.from(s, 'utf8'));
  return [c.verb, c.arg.toString('utf8')];
};

test('verb table in any letter case; anything else is other', () => {
  assert.deepEqual(cmd('ehlo example.org'), ['EHLO', 'example.org']);
  assert.deepEqual(cmd('StartTLS'), ['STARTTLS', '']);
  assert.deepEqual(cmd('XCLIENT ADDR=1.2.3.4'), ['XCLIENT', 'ADDR=1.2.3.4']);
  assert.deepEqual(cmd('MAIL   FROM:<a>'), ['MAIL', 'FROM:<a>']);
  for (const v of ['HELO', 'RCPT', 'DATA', 'BDAT', 'RSET', 'QUIT', 'NOOP', 'VRFY', 'EXPN', 'HELP', 'AUTH', 'ETRN']) {
    assert.equal(cmd(v.toLowerCase())[0], v);
  }
  assert.deepEqual(cmd('MAILX'), ['other', '']);
  assert.deepEqual(cmd('DATAFOO bar'), ['other', 'bar']);
  assert.deepEqual(cmd(''), ['other', '']);
  assert.deepEqual(cmd('\u00c9HLO x'), ['other', 'x']);
});

const path = (arg: string, kw: 'FROM' | 'TO' = 'FROM'): unknown => {
  const p = parsePathArg(Buffer.from(arg, 'utf8'), kw);
  return [p.address, p.params, p.malformed];
};

test('MAIL/RCPT paths: brackets or not, spaces, null path, quoted local parts, UTF-8, routes', () => {
  assert.deepEqual(path('FROM:<a@example.org>'), ['a@example.org', undefined, false]);
  assert.deepEqual(path('from: <a@example.org>'), ['a@example.org', undefined, false]);
  assert.deepEqual(path('FROM : a@example.org'), ['a@example.org', undefined, false]);
  assert.deepEqual(path('FROM:<>'), ['', undefined, false]);
  assert.deepEqual(path('FROM:<> BODY=8BITMIME'), ['', { BODY: '8BITMIME' }, false]);
  assert.deepEqual(path('FROM:<"john > doe"@example.org> SIZE=10'), ['"john > doe"@example.org', { SIZE: '10' }, false]);
  assert.deepEqual(path('FROM:"a b"@example.org ret=HDRS'), ['"a b"@example.org', { RET: 'HDRS' }, false]);
  assert.deepEqual(path('FROM:<用户@例子.广告> SMTPUTF8'), ['用户@例子.广告', { SMTPUTF8: true }, false]);
  assert.deepEqual(path('TO:<@a.example,@b.example:u@c.example>', 'TO'), ['u@c.example', undefined, false]);
  assert.deepEqual(path('TO:<u@x> NOTIFY=NEVER orcpt=rfc822;u@x', 'TO'), ['u@x', { NOTIFY: 'NEVER', ORCPT: 'rfc822;u@x' }, false]);
  assert.deepEqual(path('<u@x>'), ['u@x', undefined, true]);
  assert.deepEqual(path('FROM:<unterminated'), ['unterminated', undefined, true]);
  assert.deepEqual(path('FROM:<a@b> ENVID=x+2By AUTH=<>'), ['a@b', { ENVID: 'x+2By', AUTH: '<>' }, false]);
});

test('BDAT sizes: valid, LAST in any case, negative, overflow, junk', () => {
  const b = (s: string): unknown => parseBdatArg(Buffer.from(s));
  assert.deepEqual(b('100'), { ok: true, size: 100, last: false });
  assert.deepEqual(b('0 LAST'), { ok: true, size: 0, last: true });
  assert.deepEqual(b('7  last '), { ok: true, size: 7, last: true });
  assert.deepEqual(b(''), { ok: false, reason: 'missing' });
  assert.deepEqual(b('-1'), { ok: false, reason: 'negative' });
  assert.deepEqual(b('LAST'), { ok: false, reason: 'not_a_number' });
  assert.deepEqual(b('18446744073709551617'), { ok: false, reason: 'overflow' });
  assert.deepEqual(b('9007199254740991'), { ok: true, size: 9007199254740991, last: false });
  assert.deepEqual(b('9007199254740992'), { ok: false, reason: 'overflow' });
  assert.deepEqual(b('12x'), { ok: false, reason: 'junk' });
  assert.deepEqual(b('12 LASTX'), { ok: false, reason: 'junk' });
});

test('argText drops trailing spaces and keeps UTF-8', () => {
  assert.equal(argText(Buffer.from('mx.exämple.org  ', 'utf8')), 'mx.exämple.org');
});

test('a command read from a range of a larger buffer is the command of that line alone', () => {
  const lines = ['EHLO client.example', 'mail FROM:<a@b> SIZE=10', 'STARTTLS', 'XCLIENT NAME=x', 'DATA', 'QUIT  ', 'rcpt', 'BDAT 10 LAST', 'NOOPX', ''];
  const pad = Buffer.from('STARTTLS QUIT\r\n');
  for (const l of lines) {
    const line = Buffer.from(l);
    const buf = Buffer.concat([pad, line, pad]);
    const got = parseCommandAt(buf, pad.length, pad.length + line.length);
    const want = parseCommand(line);
    assert.equal(got.verb, want.verb, l);
    assert.equal(got.arg.toString('latin1'), want.arg.toString('latin1'), l);
  }
});

test('ESMTP parameter keys: the known ones recognised from bytes give what the general reading gives', () => {
  // The general reading, written out once more: latin1 text upper-cased.
  const general = (arg: Buffer): Record<string, string | boolean> => {
    const out: Record<string, string | boolean> = {};
    for (const word of arg.toString('latin1').split(' ').filter((w) => w.length > 0)) {
      const eq = word.indexOf('=');
      const key = (eq < 0 ? word : word.slice(0, eq)).toUpperCase();
      out[key] = eq < 0 ? true : Buffer.from(word.slice(eq + 1), 'latin1').toString('utf8');
    }
    return out;
  };
  const keys = ['SIZE', 'size', 'SiZe', 'BODY', 'body', 'RET', 'ENVID', 'NOTIFY', 'notify', 'ORCPT', 'AUTH', 'SMTPUTF8', 'smtputf8', 'MT-PRIORITY', 'mt-priority', 'BY', 'HOLDFOR', 'HOLDUNTIL', 'RRVS', 'REQUIRETLS',
    'SIZ', 'SIZES', 'S1ZE', 'SIZE-', 'X-SIZE', 'ßIZE', 'SIZ\u00e9', 'MT_PRIORITY', 'B', 'XYZ', 'bY', 'by'];
  for (const k of keys) {
    for (const form of [`${k}=100`, k, `${k}= `, `A=1 ${k}=x B`]) {
      const arg = Buffer.from(`FROM:<a@example.org> ${form}`, 'latin1');
      const got = parsePathArg(arg, 'FROM').params;
      assert.deepEqual(got, general(arg.subarray(arg.indexOf(0x3e) + 1)), form);
    }
  }
});
