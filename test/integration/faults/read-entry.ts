// `mailtap read` for the fault tests (not a test file): src/cli/main.ts's `read` steps (parseCli →
// loadConfig → runRead, op log on stderr), plus the final metrics text written to the file named
// by FAULT_METRICS_FILE, since `read` serves no endpoint. Run as its own process so its peak
// RSS (VmHWM) is the pipeline's alone.
import { writeFileSync } from 'node:fs';
import { parseCli } from '../../../src/cli/args.js';
import { runRead } from '../../../src/cli/read-command.js';
import { loadConfig } from '../../../src/config/load.js';
import type { Metrics } from '../../../src/output/metrics.js';
import { createOpLog } from '../../../src/output/oplog.js';

const parsed = parseCli(process.argv.slice(2));
if (!parsed.ok || parsed.args.cmd !== 'read') throw new Error(`read-entry runs only read: ${process.argv.slice(2).join(' ')}`);
const args = parsed.args;
const config = loadConfig({ ...(args.config === undefined ? {} : { path: args.config }), flags: { ...args.overrides } });
let metrics: Metrics | null = null;
const code = await runRead({ config, files: args.files, events: config.output.events, workers: Math.max(1, config.workers.count), log: createOpLog(), onMetrics: (m) => (metrics = m) });
const out = process.env['FAULT_METRICS_FILE'];
if (out !== undefined && metrics !== null) writeFileSync(out, await (metrics as Metrics).text());
process.exit(code);
