import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import fc from 'fast-check';
import { Batcher } from '../../../src/dispatch/batcher.js';
import { DESC_FIELDS, transferListOf, unpackBatch } from '../../../src/dispatch/batch-codec.js';
import { START_CLIENT_PREAMBLE, START_IMPLICIT_TLS, START_SERVER_PREAMBLE } from '../../../src/smtp/start-flags.js';
import type { BatchHandler } from '../../../src/dispatch/batch-codec.js';
import type { AnomalyInfo, BatchMessage, CloseInfo } from '../../../src/dispatch/types.js';
import type { Direction, FlowOpenInfo } from '../../../src/flow/types.js';

type Ev =
  | { t: 'open'; flow: number; ts: number; info: FlowOpenInfo }
  | { t: 'data'; flow: number; ts: number; dir: Direction; bytes: Buffer }
  | { t: 'gap'; flow: number; ts: number; dir: Direction; len: number }
  | { t: 'close'; flow: number; ts: number; close: CloseInfo }
  | { t: 'anomaly'; flow: number; ts: number; a: AnomalyInfo };

function info(flow: number): FlowOpenInfo {
  return {
    flow,
    uid: `C${flow}`,
    communityId: '1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    client: { ip: '192.0.2.1', port: 1000 + (flow % 50000) },
    server: { ip: '198.51.100.2', port: 25 },
    vlan: flow % 2 === 0 ? [] : [7],
    midstream: false,
  };
}

function closeInfo(flow: number): CloseInfo {
  return {
    reason: 'fin',
    summary: { startMicros: flow, endMicros: flow + 1, bytesClient: 3, bytesServer: 4, gapBytes: 0, midstream: false, oneSided: null },
  };
}

function pack(events: Ev[], batchBytes: number, maxEvents: number): BatchMessage[] {
  const out: BatchMessage[] = [];
  const b = new Batcher({ batchBytes, maxEvents }, (m) => out.push(m));
  for (const e of events) {
    switch (e.t) {
      case 'open': b.addOpen(e.info, e.ts); break;
      case 'data': b.addData(e.flow, e.ts, e.dir, e.bytes); break;
      case 'gap': b.addGap(e.flow, e.ts, e.dir, e.len); break;
      case 'close': b.addClose(e.flow, e.ts, e.close); break;
      case 'anomaly': b.addAnomaly(e.flow, e.ts, e.a); break;
    }
  }
  const last = b.take();
  if (last !== null) out.push(last);
  assert.equal(b.take(), null);
  return out;
}

/** Replays batches; adjacent data chunks of one flow and direction are merged (splits are allowed). */
function unpack(batches: BatchMessage[]): Ev[] {
  const out: Ev[] = [];
  const h: BatchHandler = {
    onOpen: (i, ts) => out.push({ t: 'open', flow: i.flow, ts, info: i }),
    onData: (flow, dir, bytes, ts) => {
      const prev = out[out.length - 1];
      if (prev !== undefined && prev.t === 'data' && prev.flow === flow && prev.dir === dir && prev.ts === ts) prev.bytes = Buffer.concat([prev.bytes, bytes]);
      else out.push({ t: 'data', flow, ts, dir, bytes: Buffer.from(bytes) });
    },
    onGap: (flow, dir, len, ts) => out.push({ t: 'gap', flow, ts, dir, len }),
    onClose: (flow, close, ts) => out.push({ t: 'close', flow, ts, close }),
    onAnomaly: (flow, a, ts) => out.push({ t: 'anomaly', flow, ts, a }),
  };
  for (const m of batches) assert.equal(unpackBatch(m, h), 0);
  return out;
}

/** Merge consecutive data events of the same flow/dir/ts in the input, as unpack does. */
function canonical(events: Ev[]): Ev[] {
  const out: Ev[] = [];
  for (const e of events) {
    const prev = out[out.length - 1];
    if (e.t === 'data' && prev !== undefined && prev.t === 'data' && prev.flow === e.flow && prev.dir === e.dir && prev.ts === e.ts) {
      prev.bytes = Buffer.concat([prev.bytes, e.bytes]);
    } else if (e.t === 'data') {
      if (e.bytes.length > 0) out.push({ ...e, bytes: Buffer.from(e.bytes) });
    } else out.push(e);
  }
  return out;
}

const flowArb = fc.integer({ min: 0, max: 2 ** 40 });
const tsArb = fc.integer({ min: 0, max: 2 ** 52 });
const dirArb = fc.constantFrom<Direction>('c2s', 's2c');
const evArb: fc.Arbitrary<Ev> = fc.oneof(
  fc.record({ flow: flowArb, ts: tsArb }).map(({ flow, ts }): Ev => ({ t: 'open', flow, ts, info: info(flow) })),
  fc.record({ flow: flowArb, ts: tsArb, dir: dirArb, bytes: fc.uint8Array({ minLength: 1, maxLength: 3000 }) }).map(
    ({ flow, ts, dir, bytes }): Ev => ({ t: 'data', flow, ts, dir, bytes: Buffer.from(bytes) }),
  ),
  fc.record({ flow: flowArb, ts: tsArb, dir: dirArb, len: fc.integer({ min: 0, max: 2 ** 40 }) }).map(({ flow, ts, dir, len }): Ev => ({ t: 'gap', flow, ts, dir, len })),
  fc.record({ flow: flowArb, ts: tsArb }).map(({ flow, ts }): Ev => ({ t: 'close', flow, ts, close: closeInfo(flow) })),
  fc.record({ flow: flowArb, ts: tsArb, detail: fc.option(fc.string(), { nil: undefined }) }).map(
    ({ flow, ts, detail }): Ev => ({ t: 'anomaly', flow, ts, a: detail === undefined ? { name: 'flow_memcap' } : { name: 'flow_memcap', detail } }),
  ),
);

test('pack/unpack round-trips random events in order (small batches force splits)', () => {
  fc.assert(
    fc.property(fc.array(evArb, { maxLength: 60 }), fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 40 }), (events, batchBytes, maxEvents) => {
      const batches = pack(events, batchBytes, maxEvents);
      for (const b of batches) {
        assert.ok(b.count <= maxEvents);
        assert.ok(b.payload.byteLength <= batchBytes);
      }
      assert.deepEqual(unpack(batches), canonical(events));
    }),
    { numRuns: 300 },
  );
});

test('one data event larger than a batch is split across batches and reassembles byte-exact', () => {
  const big = Buffer.alloc(1_000_003);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
  const batches = pack([{ t: 'data', flow: 9, ts: 5, dir: 's2c', bytes: big }], 64 * 1024, 2048);
  assert.equal(batches.length, Math.ceil(big.length / (64 * 1024)));
  const got = unpack(batches);
  assert.equal(got.length, 1);
  const ev = got[0]!;
  assert.ok(ev.t === 'data');
  assert.ok(ev.bytes.equals(big));
});

test('many small events fill a batch by event count, with sequence numbers in order', () => {
  const events: Ev[] = [];
  for (let i = 0; i < 10_000; i++) events.push({ t: 'data', flow: i % 13, ts: i, dir: i % 2 === 0 ? 'c2s' : 's2c', bytes: Buffer.from([i & 0xff]) });
  const batches = pack(events, 1 << 20, 512);
  assert.equal(batches.length, Math.ceil(10_000 / 512));
  batches.forEach((b, i) => assert.equal(b.seq, i));
  assert.deepEqual(unpack(batches), canonical(events));
});

test('the data bytes are copied: mutating the source after adding does not change the batch', () => {
  const src = Buffer.from('MAIL FROM:<a@b>\r\n');
  const batches: BatchMessage[] = [];
  const b = new Batcher({ batchBytes: 1024, maxEvents: 16 }, (m) => batches.push(m));
  b.addData(1, 1, 'c2s', src);
  src.fill(0);
  batches.push(b.take()!);
  const ev = unpack(batches)[0]!;
  assert.ok(ev.t === 'data');
  assert.equal(ev.bytes.toString('latin1'), 'MAIL FROM:<a@b>\r\n');
});

test('pendingBytes charges payload and descriptors; take() resets it', () => {
  const b = new Batcher({ batchBytes: 1024, maxEvents: 16 }, () => assert.fail('no full batch expected'));
  assert.equal(b.pendingBytes, 0);
  b.addData(1, 1, 'c2s', Buffer.alloc(100));
  b.addGap(1, 2, 'c2s', 5);
  assert.equal(b.pendingBytes, 100 + 2 * 48);
  const m = b.take()!;
  assert.equal(m.bytes, 100 + 2 * 48);
  assert.equal(b.pendingBytes, 0);
});

test('batches cross a MessagePort with their buffers moved, not cloned', async () => {
  const events: Ev[] = [
    { t: 'open', flow: 3, ts: 10, info: info(3) },
    { t: 'data', flow: 3, ts: 11, dir: 's2c', bytes: Buffer.from('220 mx ESMTP\r\n') },
    { t: 'gap', flow: 3, ts: 12, dir: 'c2s', len: 99 },
    { t: 'anomaly', flow: 3, ts: 13, a: { name: 'flow_gap', detail: '99 bytes' } },
    { t: 'close', flow: 3, ts: 14, close: closeInfo(3) },
  ];
  const [msg] = pack(events, 4096, 64);
  assert.ok(msg !== undefined);
  const { port1, port2 } = new MessageChannel();
  const received = new Promise<BatchMessage>((resolve) => port2.once('message', (m: BatchMessage) => resolve(m)));
  const transfer = transferListOf(msg);
  assert.equal(transfer.length, 2);
  port1.postMessage(msg, transfer);
  // Moved: the sender's views are detached.
  assert.equal(msg.payload.byteLength, 0);
  assert.equal(msg.desc.length, 0);
  const got = await received;
  port1.close();
  assert.deepEqual(unpack([got]), events);
});

test('malformed descriptors are counted, not thrown', () => {
  const [msg] = pack([{ t: 'data', flow: 1, ts: 1, dir: 'c2s', bytes: Buffer.from('x') }], 64, 4);
  assert.ok(msg !== undefined);
  msg.desc[5] = 1000; // length past the payload
  const bad = unpackBatch({ ...msg, count: 3 }, { onOpen: () => {}, onData: () => assert.fail(), onGap: () => {}, onClose: () => {}, onAnomaly: () => {} });
  assert.equal(bad, 3); // the bad data event and two descriptors of unknown kind 0 → open index 0 missing
});

test('issue 12: the recognition findings of an open ride in its descriptor, and only defined bits are accepted', () => {
  const sent: BatchMessage[] = [];
  const b = new Batcher({ batchBytes: 64, maxEvents: 8 }, (m) => sent.push(m));
  b.addOpen(info(1), 10);
  b.addOpen(info(2), 11, START_IMPLICIT_TLS);
  b.addOpen(info(3), 12, START_CLIENT_PREAMBLE | START_SERVER_PREAMBLE);
  const msg = b.take();
  assert.ok(msg !== null);
  const opens: [number, number, number][] = [];
  const h: BatchHandler = { onOpen: (i, ts, start) => opens.push([i.flow, ts, start]), onData: () => {}, onGap: () => {}, onClose: () => {}, onAnomaly: () => {} };
  assert.equal(unpackBatch(msg, h), 0);
  assert.deepEqual(opens, [[1, 10, 0], [2, 11, START_IMPLICIT_TLS], [3, 12, START_CLIENT_PREAMBLE | START_SERVER_PREAMBLE]]);
  // A descriptor with an unknown bit (or not an integer) is bad, never an open with made-up findings.
  msg.desc[5] = 8;
  msg.desc[DESC_FIELDS + 5] = 0.5;
  opens.length = 0;
  assert.equal(unpackBatch(msg, h), 2);
  assert.deepEqual(opens, [[3, 12, START_CLIENT_PREAMBLE | START_SERVER_PREAMBLE]]);
});
