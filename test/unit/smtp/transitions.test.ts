import { test } from 'node:test';
import assert from 'node:assert/strict';
import { after, initialMode, next } from '../../../src/smtp/transitions.js';
import type { ModeEvent, SmtpMode, Trigger } from '../../../src/smtp/transitions.js';

// [mode, trigger, reply, expected next mode]
const TABLE: [SmtpMode, Trigger, number | 'pending', SmtpMode][] = [
  // advance on the command
  ['connected', 'EHLO', 'pending', 'ready'],
  ['connected', 'NOOP', 'pending', 'ready'],
  ['after_gap', 'NOOP', 'pending', 'ready'],
  ['after_gap', 'MAIL', 'pending', 'mail'],
  ['ready', 'MAIL', 'pending', 'mail'],
  ['mail', 'RCPT', 'pending', 'rcpt'],
  ['rcpt', 'DATA', 'pending', 'data'],
  ['rcpt', 'BDAT', 'pending', 'bdat'],
  ['data', 'data_end', 'pending', 'ready'],
  ['rcpt', 'RSET', 'pending', 'ready'],
  ['ready', 'AUTH', 'pending', 'auth'],
  ['ready', 'QUIT', 'pending', 'quit'],
  ['mail', 'STARTTLS', 'pending', 'mail'],
  ['rcpt', 'VRFY', 'pending', 'rcpt'],
  ['ready', 'other', 'pending', 'ready'],
  ['tls', 'MAIL', 'pending', 'tls'],
  ['quit', 'MAIL', 'pending', 'quit'],
  // correct on the reply
  ['ready', 'STARTTLS', 220, 'tls'],
  ['ready', 'STARTTLS', 454, 'ready'],
  ['ready', 'STARTTLS', 501, 'ready'],
  ['data', 'DATA', 354, 'data'],
  ['data', 'DATA', 554, 'rcpt'],
  ['data', 'DATA', 503, 'rcpt'],
  ['ready', 'DATA', 554, 'ready'],
  ['auth', 'AUTH', 334, 'auth'],
  ['auth', 'AUTH', 235, 'ready'],
  ['auth', 'AUTH', 535, 'ready'],
  ['ready', 'AUTH', 235, 'ready'],
  ['quit', 'QUIT', 221, 'quit'],
  ['rcpt', 'QUIT', 500, 'rcpt'],
  ['mail', 'MAIL', 550, 'mail'],
  ['rcpt', 'RCPT', 250, 'rcpt'],
  ['ready', 'data_end', 250, 'ready'],
  ['bdat', 'BDAT', 250, 'bdat'],
  ['ready', 'EHLO', 250, 'ready'],
];

test('mode transitions, as a table', () => {
  for (const [mode, trigger, reply, want] of TABLE) {
    assert.equal(next(mode, trigger, reply), want, `${mode} + ${trigger} / ${reply}`);
  }
});

// Events of the stream itself (issue 12 item 1: every mode change goes through the table).
// [mode, event, expected next mode]; every event at least once, most from more than one mode.
const EVENTS: [SmtpMode, ModeEvent, SmtpMode][] = [
  ['data', 'gap', 'after_gap'],
  ['ready', 'gap', 'after_gap'],
  ['bdat', 'gap', 'after_gap'],
  ['auth', 'auth_more', 'auth'],
  ['ready', 'auth_more', 'auth'],
  ['auth', 'auth_end', 'ready'],
  ['bdat', 'bdat_chunk_end', 'rcpt'],
  ['bdat', 'bdat_last_end', 'ready'],
  ['bdat', 'bdat_refused', 'ready'],
  ['quit', 'bdat_refused', 'ready'],
  ['bdat', 'bdat_refused_in_tx', 'rcpt'],
  ['ready', 'tls_start', 'tls'],
  ['mail', 'tls_start', 'tls'],
  ['connected', 'tls_start', 'tls'],
  ['tls', 'tls_plain_client', 'ready'],
  ['rcpt', 'tls_plain_client', 'rcpt'],
  ['data', 'unmatched_reply_in_data', 'after_gap'],
  ['after_gap', 'pickup_end', 'ready'],
  ['data', 'lenient_end', 'ready'],
  ['data', 'lenient_end_resync', 'after_gap'],
];

test('mode transitions on stream events, as a table', () => {
  for (const [mode, event, want] of EVENTS) assert.equal(after(mode, event), want, `${mode} + ${event}`);
});

test('a session starts connected, or as after a gap when picked up midstream', () => {
  assert.equal(initialMode(false), 'connected');
  assert.equal(initialMode(true), 'after_gap');
});
