// OfflineFilter (src/capture/offline-filter.ts) over the built addon's compile/match (npm run
// build:native first): libpcap judges hand-built frames, errors name capture.filter. The count
// comparison with tcpdump on real captures is in test/integration/read-filter.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNativeAddon } from '../../../src/capture/native-addon.js';
import { OfflineFilter, openOfflineFilter } from '../../../src/capture/offline-filter.js';
import { LinkType } from '../../../src/capture/types.js';
import type { RawFrame } from '../../../src/capture/types.js';
import { CaptureError, ConfigError } from '../../../src/shared/errors.js';

/** IPv4 + TCP header (no payload) from port `sport` to `dport`. */
function ipTcp(sport: number, dport: number): Buffer {
  const b = Buffer.alloc(40);
  b[0] = 0x45;
  b.writeUInt16BE(40, 2);
  b[8] = 64;
  b[9] = 6;
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(b, 12);
  b.writeUInt16BE(sport, 20);
  b.writeUInt16BE(dport, 22);
  b[32] = 0x50;
  b[33] = 0x10;
  return b;
}

function ether(payload: Buffer): Buffer {
  const h = Buffer.alloc(14);
  h.writeUInt16BE(0x0800, 12);
  return Buffer.concat([h, payload]);
}

function frame(linkType: number, data: Buffer, wirelen = data.length): RawFrame {
  return { tsMicros: 1, linkType, caplen: data.length, wirelen, data };
}

test('only matching frames reach the handler; counters say how many of each', () => {
  const warnings: string[] = [];
  const f = openOfflineFilter('tcp dst port 25', (m) => warnings.push(m));
  assert.ok(f !== null);
  const seen: number[] = [];
  const on = f.wrap((fr) => seen.push(fr.data.readUInt16BE(fr.linkType === LinkType.ETHERNET ? 36 : 22)));
  on(frame(LinkType.ETHERNET, ether(ipTcp(40000, 25))));
  on(frame(LinkType.ETHERNET, ether(ipTcp(25, 40000))));
  // Raw IP (LINKTYPE_RAW 101 is DLT_RAW for libpcap's compiler): compiled on first sight.
  on(frame(LinkType.RAW, ipTcp(40001, 25)));
  on(frame(LinkType.RAW, ipTcp(40001, 587)));
  assert.deepEqual(seen, [25, 25]);
  assert.deepEqual(f.stats, { matched: 2, rejected: 2, uncompiled: 0 });
  assert.deepEqual(warnings, []);
});

test('the wire length counts, as in tcpdump (`greater N` on a frame cut by the snaplen)', () => {
  const f = openOfflineFilter('greater 1000', () => undefined);
  assert.ok(f !== null);
  let n = 0;
  const on = f.wrap(() => n++);
  const data = ether(ipTcp(1, 25));
  on(frame(LinkType.ETHERNET, data, data.length));
  on(frame(LinkType.ETHERNET, data, 1500));
  assert.equal(n, 1);
});

test('a filter that does not compile is a configuration error naming capture.filter', () => {
  assert.throws(
    () => openOfflineFilter('tcp portt 25', () => undefined),
    (err: unknown) => err instanceof ConfigError && /^capture\.filter: .*syntax error.*\(filter "tcp portt 25"\)$/.test(err.problems[0] ?? ''),
  );
});

test('a link type the expression does not compile for: its packets skipped, said once', () => {
  const warnings: string[] = [];
  const f = openOfflineFilter('ether host 02:00:00:00:00:01', (m) => warnings.push(m));
  assert.ok(f !== null);
  const on = f.wrap(() => assert.fail('no raw-IP packet can pass an ether filter'));
  on(frame(LinkType.RAW, ipTcp(1, 25)));
  on(frame(LinkType.RAW, ipTcp(2, 25)));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /does not compile for link type 101 .*its packets are skipped/);
  assert.deepEqual(f.stats, { matched: 0, rejected: 0, uncompiled: 2 });
});

test('an empty filter is no filter; a filter without the addon is a capture error naming it', () => {
  assert.equal(openOfflineFilter('', () => undefined), null);
  assert.equal(openOfflineFilter('  ', () => undefined), null);
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-offline-filter-'));
  try {
    assert.throws(
      () => openOfflineFilter('tcp', () => undefined, () => loadNativeAddon([join(dir, 'pcap_batch.node')])),
      (err: unknown) => err instanceof CaptureError && /needs the native addon: .*npm run build:native/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the addon refuses a capture handle or a plain object as a program (type-tagged externals)', () => {
  const addon = loadNativeAddon();
  const f = new OfflineFilter('tcp', addon, () => undefined);
  assert.ok(f instanceof OfflineFilter);
  const notAProgram = {} as unknown as Parameters<typeof addon.match>[0];
  assert.throws(() => addon.match(notAProgram, Buffer.alloc(60), 60), /bad arguments/);
  assert.throws(() => addon.compile(LinkType.ETHERNET, 65535, 'tcp\0 or udp'), /NUL/);
});
