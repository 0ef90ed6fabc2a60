// Runs tcpflow (the reference TCP reassembler) on a capture and reads its DFXML report: one
// fileobject per connection direction that carried payload, with its endpoints and first packet time.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TcpflowFile {
  path: string;
  size: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** First packet time, ms since the epoch. */
  startMs: number;
  /** Last packet time, ms since the epoch. */
  endMs: number;
}

function attr(tag: string, name: string): string {
  const m = new RegExp(`\\b${name}='([^']*)'`).exec(tag);
  if (m === null) throw new Error(`tcpflow report: no ${name} in ${tag}`);
  return m[1]!;
}

/** Parses report.xml of a tcpflow run into the files it wrote. */
export function readTcpflowReport(outDir: string): TcpflowFile[] {
  const xml = readFileSync(join(outDir, 'report.xml'), 'utf8');
  const files: TcpflowFile[] = [];
  const re = /<fileobject>\s*<filename>([^<]*)<\/filename>\s*<filesize>(\d+)<\/filesize>\s*(<tcpflow [^>]*>)/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const tag = m[3]!;
    files.push({
      path: m[1]!.startsWith('/') ? m[1]! : join(outDir, m[1]!.replace(/^\.\//, '')),
      size: Number(m[2]),
      src: attr(tag, 'src_ipn'),
      srcPort: Number(attr(tag, 'srcport')),
      dst: attr(tag, 'dst_ipn'),
      dstPort: Number(attr(tag, 'dstport')),
      startMs: Date.parse(attr(tag, 'startime')),
      endMs: Date.parse(attr(tag, 'endtime')),
    });
  }
  return files;
}

/** `tcpflow -r FILE -o DIR`; resolves to the files it wrote. */
export function runTcpflow(capture: string, outDir: string): Promise<TcpflowFile[]> {
  return new Promise((resolve, reject) => {
    execFile('tcpflow', ['-r', capture, '-o', outDir], { maxBuffer: 16 << 20 }, (err) => {
      if (err) reject(err);
      else resolve(readTcpflowReport(outDir));
    });
  });
}
