// `mailtap read` for the hostile-input tests: the same steps as src/cli/main.ts's `read` branch
// (parseCli → loadConfig → runRead on the NDJSON op log), plus the final metrics registry written
// to $HOSTILE_METRICS_FILE, because `read` itself exposes no metrics (it serves no endpoint).
// Any exception is left uncaught on purpose: its stack trace on stderr fails the test.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseCli } from '../../src/cli/args.js';
import { runRead } from '../../src/cli/read-command.js';
import { loadConfig } from '../../src/config/load.js';
import { createOpLog } from '../../src/output/oplog.js';

async function entry(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (!parsed.ok || parsed.args.cmd !== 'read') throw new Error(`hostile entry runs only read: ${argv.join(' ')}`);
  const args = parsed.args;
  const config = loadConfig({ ...(args.config === undefined ? {} : { path: args.config }), flags: { ...args.overrides } });
  const workers = config.workers.count > 0 ? config.workers.count : Math.max(1, availableParallelism() - 1);
  const out = process.env.HOSTILE_METRICS_FILE;
  const box: { text: Promise<string> | null } = { text: null };
  const code = await runRead({
    config,
    files: args.files,
    events: config.output.events,
    workers,
    log: createOpLog(),
    onMetrics: (m) => {
      box.text = m.text();
    },
  });
  if (out !== undefined && box.text !== null) writeFileSync(out, await box.text);
  return code;
}

const code = await entry(process.argv.slice(2));
process.exit(code);
