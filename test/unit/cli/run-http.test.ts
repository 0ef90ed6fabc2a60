// The daemon's HTTP endpoint (src/output/http.ts; tested here with the rest of `mailtap run`):
// /metrics renders the registry, /healthz always answers, /readyz follows the readiness check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { parseListen, startMetricsServer } from '../../../src/output/http.js';

function registry(): Registry {
  const r = new Registry();
  const c = new Counter({ name: 'mailtap_test_total', help: 'test counter', labelNames: ['k'], registers: [r] });
  c.inc({ k: 'a' }, 3);
  return r;
}

test('parseListen: host:port and [v6]:port', () => {
  assert.deepEqual(parseListen('127.0.0.1:9469'), { host: '127.0.0.1', port: 9469 });
  assert.deepEqual(parseListen('[::1]:9469'), { host: '::1', port: 9469 });
  assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
});

test('/metrics, /healthz, /readyz (200 then 503 with the reason), 404, 405, HEAD', async () => {
  let why: string | null = null;
  const srv = await startMetricsServer({ listen: '127.0.0.1:0', registry: registry(), ready: () => why });
  try {
    const base = `http://127.0.0.1:${srv.port}`;
    const m = await fetch(`${base}/metrics`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(await m.text(), /^mailtap_test_total\{k="a"\} 3$/m);
    const h = await fetch(`${base}/healthz`);
    assert.equal(h.status, 200);
    assert.equal(await h.text(), 'ok\n');
    const r1 = await fetch(`${base}/readyz?verbose=1`);
    assert.equal(r1.status, 200);
    why = 'capture not open';
    const r2 = await fetch(`${base}/readyz`);
    assert.equal(r2.status, 503);
    assert.equal(await r2.text(), 'not ready: capture not open\n');
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    const head = await fetch(`${base}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  } finally {
    await srv.close();
  }
});

test('a scrape that fails to render answers 500 and reports the error', async () => {
  const r = registry();
  const errors: unknown[] = [];
  r.metrics = () => Promise.reject(new Error('collect failed'));
  const srv = await startMetricsServer({ listen: '127.0.0.1:0', registry: r, ready: () => null, onError: (e) => errors.push(e) });
  try {
    const res = await fetch(`http://127.0.0.1:${srv.port}/metrics`);
    assert.equal(res.status, 500);
    assert.equal(errors.length, 1);
  } finally {
    await srv.close();
  }
});

test('a taken port rejects with the socket error; close() frees the port', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as AddressInfo).port;
  await assert.rejects(startMetricsServer({ listen: `127.0.0.1:${port}`, registry: registry(), ready: () => null }), /EADDRINUSE/);
  await new Promise<void>((resolve) => blocker.close(() => resolve()));
  const srv = await startMetricsServer({ listen: `127.0.0.1:${port}`, registry: registry(), ready: () => null });
  assert.equal(srv.port, port);
  await srv.close();
  const again = await startMetricsServer({ listen: `127.0.0.1:${port}`, registry: registry(), ready: () => null });
  await again.close();
});
