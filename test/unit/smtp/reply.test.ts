import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplyAssembler, parseReplyLine } from '../../../src/smtp/reply.js';

test('reply lines: final, continuation, bare code, junk', () => {
  assert.deepEqual(parseReplyLine(Buffer.from('250 ok')), { code: 250, final: true, text: 'ok' });
  assert.deepEqual(parseReplyLine(Buffer.from('250-PIPELINING')), { code: 250, final: false, text: 'PIPELINING' });
  assert.deepEqual(parseReplyLine(Buffer.from('221')), { code: 221, final: true, text: '' });
  assert.deepEqual(parseReplyLine(Buffer.from('999 odd')), { code: 999, final: true, text: 'odd' });
  assert.equal(parseReplyLine(Buffer.from('25 ok')), null);
  assert.equal(parseReplyLine(Buffer.from('250ok')), null);
  assert.equal(parseReplyLine(Buffer.from('hello')), null);
  assert.equal(parseReplyLine(Buffer.from('')), null);
});

test('multi-line assembly: text joined with \\n, the final code wins, junk ignored', () => {
  const a = new ReplyAssembler(1000);
  const push = (s: string): unknown => a.push(Buffer.from(s));
  assert.deepEqual(push('250-mx'), { t: 'partial' });
  assert.equal(a.open, true);
  assert.deepEqual(push('junk'), { t: 'invalid' });
  assert.deepEqual(push('251-SIZE 10'), { t: 'partial' });
  assert.deepEqual(push('250 HELP'), { t: 'reply', reply: { code: 250, text: 'mx\nSIZE 10\nHELP' }, lines: ['mx', 'SIZE 10', 'HELP'], codeChanged: false });
  assert.equal(a.open, false);
  push('220-a');
  assert.deepEqual(push('554 b'), { t: 'reply', reply: { code: 554, text: 'a\nb' }, lines: ['a', 'b'], codeChanged: true });
});

test('kept text is capped; reset drops a half reply', () => {
  const a = new ReplyAssembler(10);
  a.push(Buffer.from('250-12345'));
  a.push(Buffer.from('250-67890'));
  const r = a.push(Buffer.from('250 x'));
  assert.deepEqual(r, { t: 'reply', reply: { code: 250, text: '12345\nx' }, lines: ['12345', 'x'], codeChanged: false });
  a.push(Buffer.from('250-half'));
  a.reset();
  assert.deepEqual(a.push(Buffer.from('221 bye')), { t: 'reply', reply: { code: 221, text: 'bye' }, lines: ['bye'], codeChanged: false });
});
