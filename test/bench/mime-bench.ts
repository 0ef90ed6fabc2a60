// MIME engine throughput (not a test): messages built by ../shared/tools/gen-smtp-pcap.py
// (test/bench/make-mime-messages.py writes them to test/bench/out/mime/), each fed in 1460-byte
// chunks (one TCP segment's payload) with md5, sha1 and sha256 on (HASHES=… to change). Checks every
// result against the generator's ground truth first, then prints MB/s and messages/s of message
// bytes on one core, by wall clock and by CPU time (this process's user+system time, which a busy
// shared machine distorts less), and the floor set by hashing alone: the same number of decoded
// attachment bytes through the same hashes, without any parsing.
// Run: python3 test/bench/make-mime-messages.py 300 && node --import tsx test/bench/mime-bench.ts
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../../src/config/schema.js';
import { makeMessageParserFactory } from '../../src/mime/index.js';
import type { MessageResult } from '../../src/mime/types.js';
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
const factory = makeMessageParserFactory({ limits: defaultConfig().limits, hashes: (process.env.HASHES ?? 'md5,sha1,sha256').split(',').filter((h) => h !== '') as ('md5' | 'sha1' | 'sha256')[] });

function run(msg: Buffer): MessageResult {
  const p = factory({ mailFrom: 'sender@example.com', srcIp: '198.18.0.1' });
  for (let i = 0; i < msg.length; i += SEGMENT) p.write(msg.subarray(i, i + SEGMENT));
  return p.end();
}

let wrong = 0;
for (const t of truths) {
  const r = run(messages[files.indexOf(t.file)]!).message;
  const ours = r.attachments.map((a) => `${a.filename}|${a.size}|${a.sha256}`).join();
  const want = t.attachments.map((a) => `${a.filename}|${a.size}|${a.sha256}`).join();
  if (r.subject !== t.subject || ours !== want) {
    wrong++;
    console.error(`mismatch ${t.file}: ${r.subject} / ${t.subject}\n  ${ours}\n  ${want}`);
  }
}
console.log(`${messages.length} messages, ${(total / 1e6).toFixed(1)} MB, ${wrong} disagree with the generator's ground truth`);

const hashes = (process.env.HASHES ?? 'md5,sha1,sha256').split(',').filter((h) => h !== '');
const decoded = truths.reduce((n, t) => n + t.attachments.reduce((k, a) => k + a.size, 0), 0);

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

for (let round = 0; round < ROUNDS; round++) {
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
