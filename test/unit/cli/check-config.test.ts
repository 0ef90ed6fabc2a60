// check-config's capture checks (src/cli/check-config.ts, issue 14 item 6): the filter compiled by
// libpcap through the built addon (npm run build:native first), the interface looked up; and the
// CLI: a filter error exits 1 with its key path, a missing interface is a warning (exit 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkType } from '../../../src/capture/types.js';
import { checkCapture, defaultProbe } from '../../../src/cli/check-config.js';
import type { CaptureProbe } from '../../../src/cli/check-config.js';
import { defaultConfig } from '../../../src/config/schema.js';
import type { ConfigShape } from '../../../src/config/schema.js';
import { runCli } from '../../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'mailtap-check-config-'));
const NO_SUCH_IF = `mtnosuch${process.pid % 1000}`;

function config(edit: (c: ConfigShape) => void): ConfigShape {
  const c = defaultConfig();
  c.capture.interface = 'lo';
  edit(c);
  return c;
}

test('the real probe: libpcap compiles the filter; a syntax error is an error naming capture.filter', () => {
  const probe = defaultProbe();
  assert.equal(probe.unavailable, null, 'the addon is built');
  assert.deepEqual(checkCapture(config(() => undefined), probe), { errors: [], warnings: [] }, 'the default ports filter compiles, lo exists');
  assert.deepEqual(checkCapture(config((c) => (c.capture.filter = 'vlan and tcp port 25')), probe).errors, []);
  // libpcap's optimizer refuses a filter that can match nothing (as `run` would at open).
  assert.match(checkCapture(config((c) => (c.capture.filter = 'tcp port 25 and vlan')), probe).errors[0] ?? '', /^capture\.filter: expression rejects all packets/);
  const bad = checkCapture(config((c) => (c.capture.filter = 'tcp portt 25')), probe);
  assert.equal(bad.errors.length, 1);
  assert.match(bad.errors[0]!, /^capture\.filter: .*syntax error.* \(filter "tcp portt 25"\)$/);
  // A filter that parses but means nothing on the link: libpcap's own semantic check.
  const port = checkCapture(config((c) => (c.capture.filter = 'tcp port 70000')), probe);
  assert.match(port.errors[0] ?? '', /^capture\.filter: .*port/);
});

test('the filter checked is the one run opens with: the shard clause included; `any` compiles for Linux cooked capture', () => {
  const asked: [number, string][] = [];
  const probe: CaptureProbe = { compile: (lt, e) => void asked.push([lt, e]), devices: () => ['lo', 'any'], unavailable: null };
  checkCapture(config((c) => (c.capture.shard = { index: 1, count: 2 })), probe);
  checkCapture(config((c) => (c.capture.interface = 'any')), probe);
  assert.equal(asked[0]![0], LinkType.ETHERNET);
  assert.match(asked[0]![1], / % 2 = 1/);
  assert.equal(asked[1]![0], LinkType.LINUX_SLL);
});

test('an interface that does not exist is a warning listing the available ones, not an error', () => {
  const r = checkCapture(config((c) => (c.capture.interface = NO_SUCH_IF)), defaultProbe());
  assert.deepEqual(r.errors, []);
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, new RegExp(`^capture\\.interface: no interface "${NO_SUCH_IF}" on this machine \\(available: .*\\blo\\b.*\\); mailtap run exits 2 until it exists$`));
});

test('without the addon: the filter is not compiled and check-config says so, never claims it is fine', () => {
  const probe: CaptureProbe = { compile: null, devices: () => ['lo'], unavailable: 'the addon is not built' };
  const r = checkCapture(config((c) => (c.capture.filter = 'tcp portt 25')), probe);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.warnings, ["capture.filter: not compiled, libpcap's compiler is reached through the native addon, which did not load (the addon is not built)"]);
  const fanout = checkCapture(config((c) => (c.capture.fanout = { group: 9, count: 2 })), probe);
  assert.deepEqual(fanout.errors, []);
  assert.match(fanout.warnings[1] ?? '', /^capture\.fanout: needs the native addon, which did not load \(the addon is not built\); mailtap run exits 2/);
});

test('mailtap check-config: a bad filter exits 1 with its key path; a missing interface warns and exits 0', { timeout: 60_000 }, async () => {
  const cfg = join(dir, 'filter.yaml');
  writeFileSync(cfg, 'capture:\n  interface: lo\n  filter: "tcp portt 25"\n');
  const bad = await runCli(['check-config', '--config', cfg]);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /^error: capture\.filter: .*syntax error.*\(filter "tcp portt 25"\)$/m);
  assert.equal(bad.stdout.length, 0);
  const byEnv = await runCli(['check-config', '--config', cfg], { env: { MAILTAP_CAPTURE_FILTER: 'tcp port 25' } });
  assert.equal(byEnv.code, 0, byEnv.stderr);

  const missing = join(dir, 'iface.yaml');
  writeFileSync(missing, `capture:\n  interface: ${NO_SUCH_IF}\n`);
  const warned = await runCli(['check-config', '--config', missing]);
  assert.equal(warned.code, 0, warned.stderr);
  assert.match(warned.stderr, new RegExp(`^warning: capture\\.interface: no interface "${NO_SUCH_IF}"`, 'm'));
  assert.match(warned.stdout.toString(), /configuration OK/);
});
