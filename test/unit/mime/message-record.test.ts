import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathOf, stripAngles } from '../../../src/mime/message-record.js';
import { parseDateIso } from '../../../src/mime/date-iso.js';

test('path as Zeek writes it: server, client, then each hop\'s from_ip top first, no repeats', () => {
  const hops = [{ from_ip: '203.0.113.5', by_host: 'mx' }, { by_host: 'no-ip' }, { from_ip: '192.0.2.9' }, { from_ip: '198.51.100.1' }, { from_ip: '203.0.113.5' }];
  assert.deepEqual(pathOf({ mailFrom: undefined, srcIp: '192.0.2.9', dstIp: '192.0.2.25' }, hops), ['192.0.2.25', '192.0.2.9', '203.0.113.5', '198.51.100.1']);
  assert.deepEqual(pathOf({ mailFrom: undefined, srcIp: '192.0.2.9' }, []), ['192.0.2.9']);
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
