// Backend selection (src/capture/open-capture.ts, issue 14 item 2): native is the default, cap is
// chosen explicitly or taken automatically when the addon cannot load, with one warning naming
// what is lost; the addon's open errors and fanout never fall back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveSourceConfig } from '../../../src/capture/live-source.js';
import { loadNativeAddon } from '../../../src/capture/native-addon.js';
import type { NativeAddon } from '../../../src/capture/native-addon.js';
import type { NativeSourceConfig } from '../../../src/capture/native-source.js';
import { CAP_FALLBACK_LOSSES, openCapture } from '../../../src/capture/open-capture.js';
import type { CaptureOpeners } from '../../../src/capture/open-capture.js';
import type { PacketSource } from '../../../src/capture/types.js';
import { captureSchema, defaultConfig } from '../../../src/config/schema.js';
import { CaptureError } from '../../../src/shared/errors.js';

const LIVE: LiveSourceConfig = { interface: 'eth9', filter: 'tcp port 25', snaplen: 65535, buffer_mb: 64, promiscuous: true };

function fakeSource(description: string): PacketSource {
  return {
    description,
    run: () => Promise.resolve({ kind: 'stopped' }),
    stop: () => undefined,
    stats: () => ({ frames: 0, bytes: 0, dropsKernel: null, dropsInterface: 0 }),
  };
}

interface Calls {
  load: number;
  native: NativeSourceConfig[];
  cap: LiveSourceConfig[];
}

function openers(loadAddon: () => NativeAddon, openNative?: () => PacketSource): { o: CaptureOpeners; calls: Calls } {
  const calls: Calls = { load: 0, native: [], cap: [] };
  const o: CaptureOpeners = {
    loadAddon: () => {
      calls.load++;
      return loadAddon();
    },
    openNative: (cfg) => {
      calls.native.push(cfg);
      return openNative === undefined ? fakeSource('native') : openNative();
    },
    openCap: (cfg) => {
      calls.cap.push(cfg);
      return fakeSource('cap');
    },
  };
  return { o, calls };
}

const FAKE_ADDON = {} as NativeAddon;

test('the default backend is native (schema, defaults and config/mailtap.yaml agree)', () => {
  assert.equal(defaultConfig().capture.backend, 'native');
  assert.equal(captureSchema.parse({}).backend, 'native');
  assert.equal(captureSchema.parse({ backend: 'cap' }).backend, 'cap', 'cap stays selectable');
});

test('native: the addon is loaded and the native source opened with the live settings', () => {
  const { o, calls } = openers(() => FAKE_ADDON);
  const got = openCapture({ backend: 'native', live: LIVE }, o);
  assert.equal(got.backend, 'native');
  assert.equal(got.fallbackWarning, null);
  assert.equal(got.source.description, 'native');
  assert.deepEqual(calls.native, [LIVE]);
  assert.deepEqual(calls.cap, []);
});

test('cap chosen explicitly: the addon is not even loaded, and nothing is warned', () => {
  const { o, calls } = openers(() => assert.fail('cap must not load the native addon'));
  const got = openCapture({ backend: 'cap', live: LIVE }, o);
  assert.equal(got.backend, 'cap');
  assert.equal(got.fallbackWarning, null);
  assert.equal(calls.load, 0);
  assert.deepEqual(calls.cap, [LIVE]);
});

test('the addon cannot load (not built): cap opens instead, with one warning naming what is lost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-open-capture-'));
  try {
    // The real loader pointed at a path where nothing was built.
    const { o, calls } = openers(() => loadNativeAddon([join(dir, 'pcap_batch.node')]));
    const got = openCapture({ backend: 'native', live: LIVE }, o);
    assert.equal(got.backend, 'cap');
    assert.equal(got.source.description, 'cap');
    assert.deepEqual(calls.cap, [LIVE]);
    assert.deepEqual(calls.native, []);
    const w = got.fallbackWarning;
    assert.ok(w !== null);
    assert.ok(w.includes(CAP_FALLBACK_LOSSES));
    assert.match(w, /not built/, 'says why the addon did not load');
    assert.match(w, /npm run build:native/, 'and how to build it');
    assert.match(w, /timestamps become arrival times/);
    assert.match(w, /kernel drops are unknown/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the addon loads but cannot open the interface: the error stands, cap is not tried', () => {
  const enodev = new CaptureError('cannot capture on "eth9": no such interface; available devices: lo');
  const { o, calls } = openers(() => FAKE_ADDON, () => {
    throw enodev;
  });
  assert.throws(() => openCapture({ backend: 'native', live: LIVE }, o), (err: unknown) => err === enodev);
  assert.deepEqual(calls.cap, []);
});

test('fanout: the group reaches the native source; an addon that cannot load is an error, not a silent cap', () => {
  const ok = openers(() => FAKE_ADDON);
  openCapture({ backend: 'native', live: LIVE, fanoutGroup: 42 }, ok.o);
  assert.deepEqual(ok.calls.native, [{ ...LIVE, fanoutGroup: 42 }]);
  const broken = openers(() => {
    throw new CaptureError('the addon is not built');
  });
  assert.throws(
    () => openCapture({ backend: 'native', live: LIVE, fanoutGroup: 42 }, broken.o),
    (err: unknown) => err instanceof CaptureError && /capture\.fanout needs the native backend/.test(err.message) && /not built/.test(err.message),
  );
  assert.deepEqual(broken.calls.cap, []);
});
