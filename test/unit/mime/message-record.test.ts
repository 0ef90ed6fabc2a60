import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDateIso, receivedIps, stripAngles } from '../../../src/mime/message-record.js';

test('Received headers yield their IPv4 and IPv6 addresses in order', () => {
  assert.deepEqual(receivedIps('from mx (mx.example [198.51.100.7]) by relay (10.0.0.1) with ESMTP id 1.2.3.4.5; Mon'), ['198.51.100.7', '10.0.0.1']);
  assert.deepEqual(receivedIps('from [IPv6:2001:db8::1] by h ([::1])'), ['2001:db8::1', '::1']);
  assert.deepEqual(receivedIps('from 999.1.1.1 by x'), []);
});

test('angle brackets are stripped from ids', () => {
  assert.equal(stripAngles(' <a@b> (comment)'), 'a@b');
  assert.equal(stripAngles('bare@id'), 'bare@id');
});

test('dates parse to ISO-8601 UTC, comments ignored; nonsense gives undefined', () => {
  assert.equal(parseDateIso('Mon, 29 Jun 2009 18:39:03 +0800'), '2009-06-29T10:39:03.000Z');
  assert.equal(parseDateIso('Tue, 1 Jul 2003 10:52:37 +0200 (CEST)'), '2003-07-01T08:52:37.000Z');
  assert.equal(parseDateIso('not a date'), undefined);
});
