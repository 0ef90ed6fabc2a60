// Reassembled TCP streams of a capture, by mailtap's own capture/decode/flow stages
// (`mailtap flows --dump-streams`), for feeding the TLS parser in tests: one entry per
// connection with both directions' bytes and its endpoints.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { runFlows } from '../../src/cli/flows-command.js';
import { loadConfig } from '../../src/config/load.js';

export interface CapturedStream {
  uid: string;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  c2s: Buffer;
  s2c: Buffer;
}

export async function captureStreams(file: string): Promise<CapturedStream[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-tls-streams-'));
  let out = '';
  try {
    const code = await runFlows({
      config: loadConfig({ env: {} }),
      files: [file],
      log: pino({ level: 'silent' }),
      dumpStreams: dir,
      write: async (chunk) => {
        out += chunk;
      },
    });
    if (code !== 0) throw new Error(`mailtap flows ${file}: exit ${code}`);
    return out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { uid: string; src_ip: string; src_port: number; dst_ip: string; dst_port: number })
      .map((f) => ({
        uid: f.uid,
        src: f.src_ip,
        srcPort: f.src_port,
        dst: f.dst_ip,
        dstPort: f.dst_port,
        c2s: readFileSync(join(dir, `${f.uid}.c2s`)),
        s2c: readFileSync(join(dir, `${f.uid}.s2c`)),
      }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
