// The pure parts of the smuggling decision (issue 15 item 4): the strict end after a lenient
// terminator, the lenient terminator the server must have used, which reply fits which command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DataHoldback, findLenientEnd, lineVerb, ownLenientEnd, replyFits, strictEndAfter } from '../../../src/smtp/lenient-end.js';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

test('strictEndAfter: the terminator\'s own line ending counts before the dot', () => {
  assert.equal(strictEndAfter('LF.CRLF', B('.\r\nQUIT\r\n')), 3);
  assert.equal(strictEndAfter('LF.LF', B('.\r\nQUIT\r\n')), -1);
  assert.equal(strictEndAfter('CR.CR', B('\n.\r\nx')), 4);
  assert.equal(strictEndAfter('LF.LF', B('MAIL\r\nDATA\r\nx\r\n.\r\nQUIT\r\n')), 18);
  assert.equal(strictEndAfter('LF.LF', B('x\r\n..\r\n')), -1);
});

test('findLenientEnd: the own terminator when a command follows, else the first later one that a command follows', () => {
  assert.deepEqual(findLenientEnd('LF.CRLF', B('MAIL FROM:<a>\r\n'), 15), { form: 'LF.CRLF', own: true, cut: 0, rest: 0, verb: 'MAIL' });
  assert.deepEqual(findLenientEnd('CR.CR', B('\nRSET\r\n'), 7), { form: 'CR.CR', own: true, cut: 0, rest: 1, verb: 'RSET' });
  const held = B('item\r\nmore\n.\r\nRCPT TO:<b>\r\n');
  assert.deepEqual(findLenientEnd('LF.LF', held, held.length), { form: 'LF.CRLF', own: false, cut: 11, rest: 14, verb: 'RCPT' });
  assert.equal(findLenientEnd('LF.LF', held, 12), null, 'only terminators before the strict end count');
  assert.equal(findLenientEnd('LF.LF', B('text\n.\nmore text\r\n'), 19), null);
  for (const [s, form] of [['x\n.\nQUIT\r\n', 'LF.LF'], ['x\r\n.\nQUIT\r\n', 'CRLF.LF'], ['x\r.\rQUIT\r\n', 'CR.CR']] as const) {
    assert.equal(findLenientEnd('LF.LF', B(`a\r\n${s}`), 100)?.form, form, s);
  }
  assert.deepEqual(ownLenientEnd('LF.LF', B('')), { form: 'LF.LF', own: true, cut: 0, rest: 0, verb: null });
});

test('lineVerb and replyFits', () => {
  assert.equal(lineVerb(B('MAIL FROM:<a>\r\n'), 0), 'MAIL');
  assert.equal(lineVerb(B('MAIL FROM:<a>'), 0), null);
  assert.equal(lineVerb(B('hello\n'), 0), 'other');
  assert.equal(replyFits('MAIL', 250), true);
  assert.equal(replyFits('QUIT', 250), false);
  assert.equal(replyFits('QUIT', 221), true);
  assert.equal(replyFits('DATA', 354), true);
  assert.equal(replyFits('RCPT', 354), false);
  assert.equal(replyFits('RSET', 550), true);
  assert.equal(replyFits('other', 250), false);
});

test('DataHoldback copies what it holds', () => {
  const h = new DataHoldback('LF.LF');
  const src = B('abc');
  h.append(src);
  src[0] = 0x7a;
  h.append(B('de'));
  assert.equal(h.bytes().toString(), 'abcde');
  assert.equal(h.size, 5);
});
