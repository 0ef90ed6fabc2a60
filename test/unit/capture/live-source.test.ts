import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkTypeFromCap, openLiveSource, sysfsCounter } from '../../../src/capture/live-source.js';
import { LinkType } from '../../../src/capture/types.js';
import { CaptureError } from '../../../src/shared/errors.js';

// Opening real interfaces needs privilege: test/integration/live-capture.test.ts does that in a
// network namespace. Here: what needs no privilege.

test("cap's link type names map to LINKTYPE_* numbers", () => {
  assert.equal(linkTypeFromCap('ETHERNET'), LinkType.ETHERNET);
  assert.equal(linkTypeFromCap('LINKTYPE_LINUX_SLL'), LinkType.LINUX_SLL);
  assert.equal(linkTypeFromCap('NULL'), LinkType.NULL);
  assert.equal(linkTypeFromCap('RAW'), LinkType.RAW);
  assert.equal(linkTypeFromCap('IEEE802_11_RADIO'), 127);
  assert.equal(linkTypeFromCap('Unknown linktype 276'), LinkType.LINUX_SLL2);
  assert.equal(linkTypeFromCap('something else'), -1);
});

test('a nonexistent interface is a CaptureError naming it and listing the devices', () => {
  const name = `nosuch${process.pid % 100000}`;
  assert.throws(
    () => openLiveSource({ interface: name, filter: 'tcp', snaplen: 65535, buffer_mb: 1, promiscuous: true }),
    (err: unknown) => {
      assert.ok(err instanceof CaptureError);
      assert.equal(err.code, 'E_CAPTURE_OPEN');
      assert.ok(err.message.includes(`"${name}"`));
      assert.match(err.message, /no such interface; available devices: .*\blo\b/);
      return true;
    },
  );
});

test('sysfs drop counters: a number where the interface has one, null (unmeasured, never 0) where it has none', () => {
  assert.equal(typeof sysfsCounter('lo', 'rx_missed_errors'), 'number');
  assert.equal(sysfsCounter('any', 'rx_missed_errors'), null, '`any` has no sysfs statistics');
  assert.equal(sysfsCounter(`mtnosuch${process.pid % 1000}`, 'rx_missed_errors'), null);
});
