// Issue 13 item 3: a capture of a link type mailtap cannot decode (802.11 radiotap, 105) was read
// silently: no event, exit 0, nothing said. Now each file says so once per link type on the
// operator log, and the packets count as packets_total{result="unsupported_link"}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classicPcap, ethernet, tcp4 } from '../helpers/frames.js';
import { ndjson, runCli } from '../helpers/run-cli.js';
import { readWithMetrics } from '../helpers/read-metrics.js';

const WIFI = 105;
const frames = (n: number): Buffer[] => Array.from({ length: n }, (_, i) => Buffer.alloc(80, i));

test('each file with an unsupported link type is reported once, naming the file and the link type', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-link-'));
  try {
    const a = join(dir, 'a.pcap');
    const b = join(dir, 'b.pcap');
    const good = join(dir, 'good.pcap');
    writeFileSync(a, classicPcap(WIFI, frames(5)));
    writeFileSync(b, classicPcap(WIFI, frames(2)));
    writeFileSync(good, classicPcap(1, [ethernet(tcp4())]));
    for (const cmd of ['read', 'flows']) {
      const r = await runCli([cmd, a, good, b]);
      assert.equal(r.code, 0, r.stderr);
      const warnings = ndjson(r.stderr).filter((l) => /is not supported/.test(String(l['msg'])));
      assert.deepEqual(warnings.map((w) => [w['file'], w['linkType']]), [[a, WIFI], [b, WIFI]], `${cmd}: ${r.stderr}`);
      assert.match(String(warnings[0]!['msg']), new RegExp(`^${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: link type 105 is not supported`));
    }
    const { metrics } = await readWithMetrics(classicPcap(WIFI, frames(7)));
    assert.equal(metrics.get('mailtap_packets_total{result="unsupported_link"}'), 7);
    assert.equal(metrics.get('mailtap_packets_total{result="not_tcp"}'), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
