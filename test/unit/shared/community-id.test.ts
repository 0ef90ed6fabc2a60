import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { communityIdV4, communityIdV6 } from '../../../src/shared/community-id.js';
import { fixture } from '../../helpers/paths.js';
import { parseIp4, parseIp6 } from '../../helpers/segments.js';

test('communityIdV4: the Community ID spec example (TCP 128.232.110.120:34855 -> 66.35.250.204:80)', () => {
  const a = parseIp4('128.232.110.120');
  const b = parseIp4('66.35.250.204');
  assert.equal(communityIdV4(a, 34855, b, 80), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(communityIdV4(b, 80, a, 34855), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', 'both directions hash alike');
});

test('communityIdV4: same address, ports order the tuple', () => {
  const lo = parseIp4('127.0.0.1');
  assert.equal(communityIdV4(lo, 51009, lo, 8000), communityIdV4(lo, 8000, lo, 51009));
});

interface ArkimeSession {
  body: { source: { ip: string; port: number }; destination: { ip: string; port: number }; ipProtocol: number; network: { community_id?: string } };
}

// Arkime's test expectations carry community_id for each session of the corpus captures.
const ARKIME = ['ntlm_synthetic', 'smtp-data-250', 'smtp-html', 'smtp-nospaces', 'smtp-originating', 'smtp-rcpt-553', 'smtp-starttls', 'smtp-subject-8859-b', 'smtp-zip'];

test('community ids equal Arkime expectation files (IPv4 and IPv6)', () => {
  let v4 = 0;
  let v6 = 0;
  for (const name of ARKIME) {
    const text = readFileSync(fixture('corpus', 'arkime', 'tests', 'pcap', `${name}.test`), 'utf8');
    const doc = JSON.parse(text.slice(text.indexOf('{'))) as { sessions3: ArkimeSession[] };
    for (const s of doc.sessions3) {
      const b = s.body;
      const want = b.network.community_id;
      if (b.ipProtocol !== 6 || want === undefined) continue;
      let got: string;
      if (b.source.ip.includes(':')) {
        got = communityIdV6(parseIp6(b.source.ip), b.source.port, parseIp6(b.destination.ip), b.destination.port);
        v6++;
      } else {
        got = communityIdV4(parseIp4(b.source.ip), b.source.port, parseIp4(b.destination.ip), b.destination.port);
        v4++;
      }
      assert.equal(got, want, `${name} ${b.source.ip}:${b.source.port} -> ${b.destination.ip}:${b.destination.port}`);
    }
  }
  assert.ok(v4 >= 15, `checked ${v4} IPv4 flows`);
  assert.ok(v6 >= 5, `checked ${v6} IPv6 flows`);
});

test('community ids do not depend on the connections hashed before (one scratch buffer per family)', () => {
  const a = parseIp4('128.232.110.120');
  const b = parseIp4('66.35.250.204');
  const x6 = parseIp6('2001:db8::1');
  const y6 = parseIp6('2001:db8::ff:2');
  const first4 = communityIdV4(a, 34855, b, 80);
  const first6 = communityIdV6(x6, 1025, y6, 25);
  for (let i = 0; i < 50; i++) {
    communityIdV4(0xffffffff - i, 65535 - i, i, i, 17, 0xffff);
    communityIdV6(y6, 65535 - i, x6, i, 17, 0xffff);
  }
  assert.equal(communityIdV4(a, 34855, b, 80), first4);
  assert.equal(communityIdV4(a, 34855, b, 80), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(communityIdV6(x6, 1025, y6, 25), first6);
});
