import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenInfo, buildSummary, emptyStats, isGreeting, lowerPortIsB } from '../../../src/flow/flow-info.js';
import { FlowState } from '../../../src/flow/flow-state.js';
import { communityIdV4 } from '../../../src/shared/community-id.js';
import { parseIp4, parseIp6 } from '../../helpers/segments.js';

test('isGreeting: 220 followed by space or dash only', () => {
  assert.ok(isGreeting(Buffer.from('220 mx ESMTP\r\n')));
  assert.ok(isGreeting(Buffer.from('220-mx\r\n')));
  assert.ok(!isGreeting(Buffer.from('220')));
  assert.ok(!isGreeting(Buffer.from('2200 x')));
  assert.ok(!isGreeting(Buffer.from('250 ok')));
  assert.ok(!isGreeting(Buffer.from('EHLO x')));
});

test('lowerPortIsB: the lower port is the server; equal ports keep A as the client', () => {
  const mk = (pa: number, pb: number): FlowState => new FlowState(1, 0, 4, 1, 2, null, pa, pb, [], 0);
  assert.equal(lowerPortIsB(mk(40000, 25)), true);
  assert.equal(lowerPortIsB(mk(25, 40000)), false);
  assert.equal(lowerPortIsB(mk(25, 25)), true);
});

test('buildOpenInfo: endpoints by role, community id, a copy of the VLAN list', () => {
  const vlan = [10, 20];
  const f = new FlowState(7, 0, 4, parseIp4('192.0.2.1'), parseIp4('198.51.100.2'), null, 25, 40000, vlan, 5);
  f.clientIsA = false;
  f.midstream = true;
  const info = buildOpenInfo(f, 'Cz7');
  assert.deepEqual(info.client, { ip: '198.51.100.2', port: 40000 });
  assert.deepEqual(info.server, { ip: '192.0.2.1', port: 25 });
  assert.equal(info.communityId, communityIdV4(parseIp4('198.51.100.2'), 40000, parseIp4('192.0.2.1'), 25));
  assert.deepEqual(info.vlan, [10, 20]);
  assert.notEqual(info.vlan, vlan);
  assert.equal(info.uid, 'Cz7');
  assert.equal(info.flow, 7);
  assert.equal(info.midstream, true);
  const ip6 = Buffer.concat([parseIp6('::ffff:192.0.2.1'), parseIp6('2001:db8::2')]);
  const f6 = new FlowState(8, 0, 6, 0, 0, ip6, 40000, 25, [], 5);
  assert.deepEqual(buildOpenInfo(f6, 'C8').client, { ip: '::ffff:192.0.2.1', port: 40000 });
});

test('buildSummary: bytes by role, gaps of both sides, one-sided detection', () => {
  const f = new FlowState(1, 0, 4, 1, 2, null, 40000, 25, [], 100);
  f.lastMicros = 900;
  f.a.seen = true;
  f.a.delivered = 10;
  f.a.gapBytes = 2;
  assert.deepEqual(buildSummary(f), { startMicros: 100, endMicros: 900, bytesClient: 10, bytesServer: 0, gapBytes: 2, midstream: false, oneSided: 'client_only' });
  f.clientIsA = false;
  assert.equal(buildSummary(f).oneSided, 'server_only');
  f.bHalf().seen = true;
  f.b.gapBytes = 3;
  assert.equal(buildSummary(f).oneSided, null);
  assert.equal(buildSummary(f).gapBytes, 5);
  assert.equal(emptyStats().flowsTotal.evicted, 0);
});
