import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Metrics } from '../../../src/output/metrics.js';
import { ANOMALIES } from '../../../src/shared/anomalies.js';
import { buildInfo, libpcapVersion, versionFromLibraryPath } from '../../../src/cli/build-info.js';

// Issue 14 item 9 (SPEC §4, §5): mailtap_build_info names what runs; every known anomaly name's
// counter exists at 0 from the start, so a dashboard panel shows 0 rather than "No data".

test('every anomaly name of src/shared/anomalies.ts is exported at 0 before anything happens', async () => {
  const m = new Metrics({ defaultMetrics: false });
  const got = await m.counter('anomalies_total').get();
  const names = new Map(got.values.map((v) => [v.labels['name'], v.value]));
  for (const name of Object.keys(ANOMALIES)) assert.equal(names.get(name), 0, name);
  assert.equal(names.size, Object.keys(ANOMALIES).length);
  m.countAnomaly('flow_gap');
  const after = await m.counter('anomalies_total').get();
  assert.equal(after.values.find((v) => v.labels['name'] === 'flow_gap')?.value, 1);
  assert.match(await m.text(), /^mailtap_anomalies_total\{name="smtp_bare_lf"\} 0$/m);
});

test('mailtap_build_info: one series at 1 with version, node, libpcap and backend', async () => {
  const m = new Metrics({ defaultMetrics: false });
  m.setBuildInfo({ ...buildInfo(), backend: 'native' });
  m.setBuildInfo({ ...buildInfo(), backend: 'cap' }); // a fallback replaces, never adds, a series
  const got = await m.gauge('build_info').get();
  assert.equal(got.values.length, 1);
  const v = got.values[0]!;
  assert.equal(v.value, 1);
  assert.equal(v.labels['backend'], 'cap');
  assert.equal(v.labels['node'], process.versions.node);
  assert.match(String(v.labels['version']), /^\d+\.\d+\.\d+/);
  assert.equal(v.labels['libpcap'], libpcapVersion());
});

test('libpcap version: from the library the linker resolves, agreeing with pcap-config', () => {
  assert.equal(versionFromLibraryPath('/usr/lib/x86_64-linux-gnu/libpcap.so.1.10.3'), '1.10.3');
  assert.equal(versionFromLibraryPath('/usr/lib/libpcap.so.1.10'), '1.10');
  assert.equal(versionFromLibraryPath('/lib/x86_64-linux-gnu/libpcap.so.0.8'), null, 'a Debian soname, not a version');
  assert.equal(versionFromLibraryPath('/usr/lib/libpcap.so'), null);
  const v = libpcapVersion();
  assert.match(v, /^\d+\.\d+(\.\d+)?$/, 'libpcap is installed here (scripts/install-deps.sh: libpcap-dev)');
  const pc = spawnSync('pcap-config', ['--version'], { encoding: 'utf8' });
  assert.equal(pc.status, 0, 'pcap-config (libpcap-dev) is installed by scripts/install-deps.sh');
  assert.equal(v, pc.stdout.trim());
});
