// Micro-benchmark of detected_type (issue 15 item 14): mailtap's hand-written table (src/mime/
// magic.ts, synchronous) against npm file-type's fileTypeFromBuffer (async, ESM-only) on the first
// 4 KiB of typical attachments. file-type is NOT a dependency: install it in a scratch directory
// and point FILE_TYPE_DIR there (`mkdir /tmp/ft && cd /tmp/ft && npm init -y && npm install
// file-type@21`; 22.x needs Node >= 22). Prints ns per call and the load average: the machine is
// shared, so compare the ratio of one run, not absolute figures across runs.
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { detectType } from '../../src/mime/magic.js';

type FileTypeFromBuffer = (b: Uint8Array) => Promise<{ mime: string } | undefined>;

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s/g, ''), 'hex');
function head(prefix: Buffer, fill = 0x41): Buffer {
  const b = Buffer.alloc(4096, fill);
  prefix.copy(b);
  return b;
}

const SAMPLES: [string, Buffer][] = [
  ['pe', head(Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'), 0)],
  ['pdf', head(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n', 'latin1'), 0x20)],
  ['zip', head(Buffer.concat([hex('504b0304 14000000 0800'), Buffer.from('docs/readme.txt')]), 0)],
  ['docx', head(Buffer.concat([hex('504b0304 14000600 0800'), Buffer.from('[Content_Types].xml word/document.xml')]), 0)],
  ['jpeg', head(hex('ffd8ffe0 00104a46 49460001'), 0x11)],
  ['png', head(hex('89504e47 0d0a1a0a 0000000d 49484452'), 0)],
  ['lnk', head(hex('4c000000 01140200 00000000 c0000000 00000046'), 0)],
  ['text', head(Buffer.from('Dear customer,\r\nplease find the invoice attached.\r\n'), 0x20)],
  ['html', head(Buffer.from('<!DOCTYPE html><html><head><title>x</title></head><body>'), 0x20)],
  ['random', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24))],
];

async function loadFileType(): Promise<FileTypeFromBuffer | undefined> {
  const dir = process.env.FILE_TYPE_DIR;
  if (dir === undefined) return undefined;
  const entry = join(dir, 'node_modules', 'file-type', 'core.js');
  const index = join(dir, 'node_modules', 'file-type', 'index.js');
  const path = existsSync(entry) ? entry : index;
  const mod = (await import(pathToFileURL(path).href)) as { fileTypeFromBuffer: FileTypeFromBuffer };
  return mod.fileTypeFromBuffer;
}

async function main(): Promise<void> {
  const rounds = Number(process.env.MAGIC_ROUNDS ?? '20000');
  const ft = await loadFileType();
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; ${rounds} rounds of ${SAMPLES.length} samples (4 KiB each)`);
  console.log('sample  ours                       file-type');
  let oursTotal = 0;
  let ftTotal = 0;
  for (const [name, buf] of SAMPLES) {
    for (let i = 0; i < 1000; i++) detectType(buf); // warm-up
    let t = process.hrtime.bigint();
    let ours: string | undefined;
    for (let i = 0; i < rounds; i++) ours = detectType(buf);
    const oursNs = Number(process.hrtime.bigint() - t) / rounds;
    oursTotal += oursNs;
    let line = `${name.padEnd(7)} ${oursNs.toFixed(0).padStart(6)} ns ${String(ours ?? '-').padEnd(16).slice(0, 16)}`;
    if (ft !== undefined) {
      for (let i = 0; i < 1000; i++) await ft(buf);
      t = process.hrtime.bigint();
      let theirs: { mime: string } | undefined;
      for (let i = 0; i < rounds; i++) theirs = await ft(buf);
      const ftNs = Number(process.hrtime.bigint() - t) / rounds;
      ftTotal += ftNs;
      line += ` ${ftNs.toFixed(0).padStart(7)} ns ${theirs?.mime ?? '-'}`;
    }
    console.log(line);
  }
  console.log(`mean    ${(oursTotal / SAMPLES.length).toFixed(0)} ns` + (ft !== undefined ? `; file-type ${(ftTotal / SAMPLES.length).toFixed(0)} ns, ${(ftTotal / oursTotal).toFixed(1)}x ours` : ' (set FILE_TYPE_DIR to compare with file-type)'));
  console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

void main();
