import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadProgress, count, formatProgress, readSummary } from '../../../src/cli/read-progress.js';

// Issue 14 item 8: the progress line of `mailtap read` (only on a terminal) and its summary.

test('formatProgress: position, share, packets, sessions, rate and time left from the file size', () => {
  // 10 MB of a 40 MB file in 2 s (record headers included: 9,840,000 + 16 × 10,000).
  const line = formatProgress({ bytes: 9_840_000, packets: 10_000, sessions: 12 }, 40_000_000, 2000);
  assert.equal(line, 'reading 10.0/40.0 MB (25%)  10,000 packets  12 sessions  5.0 MB/s  ETA 0:06');
  assert.equal(formatProgress({ bytes: 5_000_000, packets: 3, sessions: 0 }, null, 1000), 'reading 5.0 MB  3 packets  0 sessions  5.0 MB/s', 'standard input: no share, no ETA');
  assert.match(formatProgress({ bytes: 1e6, packets: 1, sessions: 1 }, 1e10, 1000), /ETA 2:46:39$/);
});

test('ReadProgress draws on a terminal at most every 250 ms, erases itself, and draws nothing elsewhere', () => {
  let t = 0;
  const tty: string[] = [];
  const p = new ReadProgress({ isTTY: true, write: (s) => tty.push(s) }, 1000, () => t);
  p.update({ bytes: 0, packets: 0, sessions: 0 });
  t = 100;
  p.update({ bytes: 100, packets: 1, sessions: 0 }); // too soon
  t = 300;
  p.update({ bytes: 200, packets: 2, sessions: 1 });
  p.finish();
  assert.equal(tty.length, 3);
  assert.ok(tty[0]!.startsWith('\r\x1b[Kreading 0.0/0.0 MB (0%)'));
  assert.ok(tty[1]!.includes('2 packets  1 sessions'));
  assert.equal(tty[2], '\r\x1b[K');
  const pipe: string[] = [];
  const q = new ReadProgress({ isTTY: false, write: (s) => pipe.push(s) }, 1000, () => t);
  q.update({ bytes: 1, packets: 1, sessions: 1 });
  q.finish();
  assert.deepEqual(pipe, []);
});

test('readSummary: one line in words', () => {
  assert.equal(readSummary({ files: 1, packets: 205, sessions: 8, transactions: 9, anomalies: 0, gaps: 1, elapsedMs: 812 }),
    'read 1 file: 205 packets, 8 sessions, 9 transactions, 0 anomalies, 1 gap in 0.8 s');
  assert.equal(readSummary({ files: 3, packets: 1_234_567, sessions: 1, transactions: 1, anomalies: 1, gaps: 2, elapsedMs: 75_000 }),
    'read 3 files: 1,234,567 packets, 1 session, 1 transaction, 1 anomaly, 2 gaps in 1:15');
});

test('counts are written as toLocaleString(en-US) writes them, without its locale data', () => {
  for (const n of [0, 7, 999, 1000, 12345, 999999, 1000000, 362332, -1234567, 2 ** 53 - 1, 1.5, 1e21]) {
    assert.equal(count(n), n.toLocaleString('en-US'), String(n));
  }
});
