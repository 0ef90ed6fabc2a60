import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthExchange } from '../../../src/smtp/auth.js';
import { Transaction } from '../../../src/smtp/transaction.js';
import { stubMessageParsers } from '../../helpers/stub-message-parser.js';

const tx = (): Transaction => new Transaction(5, 1, 'h', null, false, true);

test('status rules (SPEC §3.1), in precedence order', () => {
  const a = tx();
  assert.equal(a.status(), 'unknown', 'no reply seen');
  a.anyReply = true;
  assert.equal(a.status(), 'aborted');
  a.endData();
  assert.equal(a.status(), 'unknown', 'the final reply never came');
  a.endCode = 250;
  assert.equal(a.status(), 'accepted');
  a.gapped = true;
  assert.equal(a.status(), 'incomplete');
  const b = tx();
  b.anyReply = true;
  b.rcpts.push({ address: 'x', params: undefined, code: 550 }, { address: 'y', params: undefined, code: 452 });
  assert.equal(b.status(), 'rejected');
  b.rcpts.push({ address: 'z', params: undefined, code: 0 });
  assert.equal(b.status(), 'aborted');
  for (const f of ['mailCode', 'dataCode', 'endCode'] as const) {
    const c = tx();
    c.anyReply = true;
    c[f] = 451;
    assert.equal(c.status(), 'rejected', f);
  }
});

test('facts: accepted and unanswered recipients listed, refused ones with codes, params of accepted ones', () => {
  const t = tx();
  t.mailFrom = 'a@b';
  t.mailParams = { SIZE: '5' };
  t.rcpts.push(
    { address: 'ok@x', params: { NOTIFY: 'NEVER' }, code: 250 },
    { address: 'no@x', params: { NOTIFY: 'NEVER' }, code: 550 },
    { address: 'unseen@x', params: undefined, code: 0 },
  );
  t.rcptDropped = 2;
  const f = t.facts(false);
  assert.deepEqual(f.rcpt_to, ['ok@x', 'unseen@x']);
  assert.deepEqual(f.rcpt_rejected, [{ address: 'no@x', code: 550 }]);
  assert.deepEqual(f.rcpt_params, { 'ok@x': { NOTIFY: 'NEVER' } });
  assert.equal(f.rcpt_dropped, 2);
  assert.deepEqual(f.mail_params, { SIZE: '5' });
  assert.equal(f.helo, 'h');
  assert.equal(f.tsMicros, 5);
  assert.equal('auth' in f, false);
  assert.equal('message' in f, false);
});

test('the message: ended once, anomalies merged without duplicates, auth_cleartext added', () => {
  const auth = new AuthExchange('PLAIN', Buffer.from(Buffer.from('\0u\0p').toString('base64')));
  const t = new Transaction(1, 2, undefined, auth, false, true);
  const stub = stubMessageParsers(['mime_invalid_qp', 'mime_invalid_qp']);
  t.parser = stub.factory({ mailFrom: 'a', srcIp: '1.2.3.4' });
  t.parser.write(Buffer.from('abc'));
  t.addAnomaly('smtp_bare_lf');
  t.endMessage();
  t.endMessage();
  assert.equal(stub.messages[0]!.ended, 1);
  const f = t.facts(false);
  assert.deepEqual(f.anomalies, ['smtp_bare_lf', 'mime_invalid_qp']);
  assert.deepEqual(f.message?.signals, ['auth_cleartext']);
  assert.deepEqual(f.auth, { mechanism: 'PLAIN', user: 'u', result: 'unknown', cleartext: true });
  assert.deepEqual(t.facts(false).message?.signals, ['auth_cleartext'], 'not added twice');
});

test('lifecycle phase: message sent and closed in either order end in done; closed without a message is abandoned', () => {
  const a = tx();
  assert.equal(a.phase, 'open');
  assert.equal(a.closed, false);
  a.endData();
  assert.equal(a.phase, 'sent');
  assert.equal(a.dataEnded, true);
  assert.equal(a.closed, false);
  a.close();
  assert.equal(a.phase, 'done');
  assert.equal(a.closed, true);
  const b = tx();
  b.close();
  assert.equal(b.phase, 'abandoned');
  assert.equal(b.dataEnded, false);
  b.endData();
  assert.equal(b.phase, 'done');
});
