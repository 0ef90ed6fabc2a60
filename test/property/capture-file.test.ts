// Properties of the offline capture reader (pcap and pcapng, the decoders' upstream): any file
// head from the corpus, cut and overwritten anywhere, read with any read size, gives the same
// frames and the same ending (eof, truncated at the same offset, or the same CaptureFileError);
// nothing but a CaptureFileError ever escapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openFileSource } from '../../src/capture/file-source.js';
import { CaptureFileError } from '../../src/shared/errors.js';
import { allCaptures } from '../helpers/captures.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const HEAD = 6000;
const heads = allCaptures().map((p) => readFileSync(p).subarray(0, HEAD));

async function read(path: string, chunkBytes: number): Promise<string[]> {
  const log: string[] = [];
  const src = openFileSource([path], { onWarning: () => undefined, chunkBytes });
  try {
    const end = await src.run((f) => {
      assert.equal(f.caplen, f.data.length);
      log.push(`${f.tsMicros}/${f.linkType}/${f.wirelen}/${f.data.toString('base64')}`);
    });
    log.push(end.kind === 'truncated' ? `truncated@${end.offset}` : end.kind);
  } catch (err) {
    assert.ok(err instanceof CaptureFileError, `only CaptureFileError escapes: ${String(err)}`);
    log.push(`error@${err.offset}: ${err.message}`);
  }
  return log;
}

test('any cut or damaged capture head: the same frames and ending for every read size, only CaptureFileError thrown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailtap-prop-capture-'));
  try {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: heads.length - 1 }),
        fc.nat({ max: HEAD }),
        fc.array(fc.tuple(fc.nat({ max: HEAD - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.integer({ min: 1, max: 300 }),
        async (pick, cut, edits, chunk) => {
          const file = Buffer.from(heads[pick]!.subarray(0, cut));
          for (const [at, v] of edits) if (at < file.length) file[at] = v;
          const path = join(dir, `c${n++}.pcap`);
          writeFileSync(path, file);
          assert.deepEqual(await read(path, chunk), await read(path, 1 << 20));
        },
      ),
      { numRuns: RUNS },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
