// The MIME engine on `many`'s short messages (not a test; issue 12 item 6): the first 2,000
// sessions' messages, taken from `mailtap flows --dump-streams` of a 2,000-session capture made
// with `many`'s generator options (test/bench/out/short-mime/, gitignored), each parsed whole,
// ended and its record JSON-serialised, as the worker does. Prints the median CPU time per
// message over ROUNDS passes. COMPARE=<another compiled tree> (holding src/mime/index.js) runs
// that build and this one in alternation in one process: a busy machine shifts both alike.
// Run: npm run build && node dist/test/bench/short-mime-bench.js  [COMPARE=/other/checkout/dist]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import { defaultConfig } from '../../src/config/schema.js';
import type { MessageParserFactory } from '../../src/mime/types.js';
import { MAIN } from '../helpers/run-cli.js';
import { SHARED } from '../helpers/paths.js';
import { INPUTS, OUT, exitUnderTestRunner } from './bench-lib.js';

exitUnderTestRunner('short-mime-bench');

const DIR = join(OUT, 'short-mime');
const ROUNDS = Number(process.env.ROUNDS ?? 15);

/** Each DATA message of the dumped client streams, dot-unstuffed, without its terminator. */
function messages(): Buffer[] {
  const streams = join(DIR, 'streams');
  if (!existsSync(streams)) {
    mkdirSync(streams, { recursive: true });
    const pcap = join(DIR, 'short.pcap');
    const many = INPUTS.find((i) => i.name === 'many')!.args.slice();
    many[many.indexOf('--sessions') + 1] = '2000';
    many[many.indexOf('--concurrency') + 1] = '50';
    execFileSync('python3', [join(SHARED, 'tools', 'gen-smtp-pcap.py'), '-o', pcap, '-q', ...many], { stdio: 'inherit' });
    execFileSync(process.execPath, [MAIN, 'flows', '--dump-streams', streams, pcap], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const out: Buffer[] = [];
  for (const name of readdirSync(streams).filter((n) => n.endsWith('.c2s')).sort()) {
    const b = readFileSync(join(streams, name));
    const start = b.indexOf('\r\nDATA\r\n');
    if (start < 0) continue;
    const end = b.indexOf('\r\n.\r\n', start);
    if (end < 0) continue;
    out.push(Buffer.from(b.subarray(start + 8, end + 2).toString('latin1').replaceAll('\r\n..', '\r\n.'), 'latin1'));
  }
  return out;
}

async function factoryOf(root: string): Promise<MessageParserFactory> {
  const mod = (await import(pathToFileURL(join(root, 'src', 'mime', 'index.js')).href)) as { makeMessageParserFactory: (o: unknown) => MessageParserFactory };
  const cfg = defaultConfig();
  return mod.makeMessageParserFactory({ limits: cfg.limits, hashes: ['md5', 'sha1', 'sha256'], headers: [] });
}

function pass(f: MessageParserFactory, msgs: readonly Buffer[]): number {
  let chars = 0;
  for (const m of msgs) {
    const p = f({ mailFrom: 'sender@example.org', srcIp: '192.0.2.1', dstIp: '198.51.100.2' });
    p.write(m);
    chars += JSON.stringify(p.end().message).length;
  }
  return chars;
}

async function main(): Promise<void> {
  const msgs = messages();
  const here = resolve(new URL('../..', import.meta.url).pathname);
  const trees = [here, ...(process.env.COMPARE ? [resolve(process.env.COMPARE)] : [])];
  const factories = await Promise.all(trees.map(factoryOf));
  for (const f of factories) pass(f, msgs); // warm up
  const times: number[][] = trees.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < factories.length; k++) {
      const t0 = process.cpuUsage();
      pass(factories[k]!, msgs);
      const d = process.cpuUsage(t0);
      times[k]!.push((d.user + d.system) / msgs.length);
    }
  }
  process.stdout.write(`${msgs.length} messages, ${ROUNDS} rounds, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  trees.forEach((t, k) => {
    const s = times[k]!.sort((a, b) => a - b);
    process.stdout.write(`${t}: median ${s[s.length >> 1]!.toFixed(1)} us CPU per message (min ${s[0]!.toFixed(1)})\n`);
  });
}

void main();
