import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseEhloKeyword } from '../../../src/smtp/session-record.js';

test('EHLO keywords are held to the RFC 5321 grammar the events schema enforces', () => {
  assert.equal(normaliseEhloKeyword('pipelining'), 'PIPELINING');
  assert.equal(normaliseEhloKeyword('AUTH=LOGIN'), 'AUTH=LOGIN');
  assert.equal(normaliseEhloKeyword('8BITMIME'), '8BITMIME');
  // Exim (zeek smtp.pcap-era servers and the suricata corpus) advertises PIPE_CONNECT.
  assert.equal(normaliseEhloKeyword('PIPE_CONNECT'), 'PIPE-CONNECT');
  assert.equal(normaliseEhloKeyword('X-EXPS'), 'X-EXPS');
  assert.equal(normaliseEhloKeyword('-BAD'), '');
  assert.equal(normaliseEhloKeyword('_x'), '');
  assert.equal(normaliseEhloKeyword(''), '');
  for (const raw of ['a\u00e9b', 'SIZE\t', 'x.y', 'Q"']) assert.match(normaliseEhloKeyword(raw) || 'OK', /^[A-Z0-9][A-Z0-9=-]*$/);
});
