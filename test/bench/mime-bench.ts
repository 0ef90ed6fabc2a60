// MIME engine throughput (not a test): messages built by ../shared/tools/gen-smtp-pcap.py
// (test/bench/make-mime-messages.py writes them to test/bench/out/mime/), each fed in 1460-byte
// chunks (one TCP segment's payload) with md5, sha1 and sha256 on (HASHES=… to change). Checks every
// result against the generator's ground truth first, then prints MB/s and messages/s of message
// bytes on one core, by wall clock and by CPU time (this process's user+system time, which a busy
// shared machine distorts less), and the floor set by hashing alone: the same number of decoded
// attachment bytes through the same hashes, without any parsing.
// COMPARE=<another compiled tree> (holding src/mime/index.js) runs each message through that build
// and this one in turn, in one process, and prints the median CPU time per pass of each: a busy
// machine shifts both alike.
// Run: python3 test/bench/make-mime-messages.py 300 && node --import tsx test/bench/mime-bench.ts
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultConfig } from '../../src/config/schema.js';
import { makeMessageParserFactory } from '../../src/mime/index.js';
import type { MessageParserFactory, MessageResult } from '../../src/mime/types.js';
import { REPO_ROOT } from '../helpers/paths.js';

const DIR = join(REPO_ROOT, 'test', 'bench', 'out', 'mime');
const SEGMENT = 1460;
const ROUNDS = Number(process.env.ROUNDS ?? 5);

interface Truth {
  file: string;
  subject: string;
  attachments: { filename: string; size: number; sha256: string }[];
}

if (process.env.NODE_TEST_CONTEXT !== undefined) {
  // `node --test dist/test/` also picks up files under bench/: a benchmark is not a test.
  console.log('mime-bench: not run under the test runner');
  process.exit(0);
}
if (!existsSync(join(DIR, 'truth.jsonl'))) {
  console.log(`no messages in ${DIR}: run python3 test/bench/make-mime-messages.py 300 first`);
  process.exit(0);
}
const truths: Truth[] = readFileSync(join(DIR, 'truth.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Truth);
const files = readdirSync(DIR).filter((f) => f.endsWith('.eml')).sort();
const messages = files.map((f) => readFileSync(join(DIR, f)));
const total = messages.reduce((n, m) => n + m.length, 0);
const hashes = (process.env.HASHES ?? 'md5,sha1,sha256').split(',').filter((h) => h !== '') as ('md5' | 'sha1' | 'sha256')[];
const factory = makeMessageParserFactory({ limits: defaultConfig().limits, hashes });
// Without sha256 (HASHES=) the records carry none: the check compares names and sizes only.
const withSha = hashes.includes('sha256');

function run(msg: Buffer, f: MessageParserFactory = factory): MessageResult {
  const p = f({ mailFrom: 'sender@example.com', srcIp: '198.18.0.1' });
  for (let i = 0; i < msg.length; i += SEGMENT) p.write(msg.subarray(i, i + SEGMENT));
  return p.end();
}

let wrong = 0;
for (const t of truths) {
  const r = run(messages[files.indexOf(t.file)]!).message;
  const ours = r.attachments.map((a) => `${a.filename}|${a.size}|${withSha ? a.sha256 : ''}`).join();
  const want = t.attachments.map((a) => `${a.filename}|${a.size}|${withSha ? a.sha256 : ''}`).join();
  if (r.subject !== t.subject || ours !== want) {
    wrong++;
    console.error(`mismatch ${t.file}: ${r.subject} / ${t.subject}\n  ${ours}\n  ${want}`);
  }
}
console.log(`${messages.length} messages, ${(total / 1e6).toFixed(1)} MB, ${wrong} disagree with the generator's ground truth`);

const decoded = truths.reduce((n, t) => n + t.attachments.reduce((k, a) => k + a.size, 0), 0);

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const compare = process.env.COMPARE ?? '';
for (let round = 0; round < (compare === '' ? ROUNDS : 0); round++) {
  const t0 = process.hrtime.bigint();
  const c0 = cpuSeconds();
  for (const m of messages) run(m);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds() - c0;
  // Hashing alone: the decoded attachment bytes of the run, in 48 KiB updates.
  const block = Buffer.alloc(49152, 0x5a);
  const h0 = cpuSeconds();
  for (const name of hashes) {
    const h = createHash(name);
    for (let done = 0; done < decoded; done += block.length) h.update(block);
    h.digest();
  }
  const hashCpu = cpuSeconds() - h0;
  console.log(
    `round ${round + 1}: ${(total / 1e6 / wall).toFixed(0)} MB/s wall, ${(total / 1e6 / cpu).toFixed(0)} MB/s per CPU-second, ` +
      `${(messages.length / cpu).toFixed(0)} messages per CPU-second; hashing alone would allow ${(total / 1e6 / hashCpu).toFixed(0)} MB/s`,
  );
}

if (compare !== '') {
  const url = pathToFileURL(join(compare, 'src', 'mime', 'index.js')).href;
  const other = (await import(url)) as { makeMessageParserFactory: typeof makeMessageParserFactory };
  const builds: [string, MessageParserFactory][] = [
    [compare, other.makeMessageParserFactory({ limits: defaultConfig().limits, hashes })],
    ['this build', factory],
  ];
  // Message by message, the two builds in turn (order swapped every message and round), so a load
  // change on a shared machine hits both alike; the first round warms both up.
  const rounds: number[][] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    const t = [0, 0];
    for (let i = 0; i < messages.length; i++) {
      const first = (i + round) & 1;
      for (const k of [first, 1 - first]) {
        const c0 = cpuSeconds();
        run(messages[i]!, builds[k]![1]);
        t[k]! += cpuSeconds() - c0;
      }
    }
    if (round > 0) rounds.push(t);
  }
  const median = (k: number): number => {
    const sorted = rounds.map((t) => t[k]!).sort((a, b) => a - b);
    return sorted[sorted.length >> 1]!;
  };
  for (let k = 0; k < builds.length; k++) {
    const med = median(k);
    console.log(`${builds[k]![0]}: median ${(med * 1000).toFixed(1)} ms CPU per pass = ${(total / 1e6 / med).toFixed(0)} MB/s per CPU-second`);
  }
  console.log(`this build / other, per round: ${rounds.map((t) => (t[1]! / t[0]!).toFixed(3)).join(' ')}`);
}
