#!/usr/bin/env node
// mailtap entry point: parse argv, load the configuration, dispatch to a command, map errors to the
// exit codes of SPEC §2 (1 configuration/arguments, 2 capture open, 3 capture file). Owns the
// operational logger (NDJSON on stderr); commands own their pipelines and return an exit code.
import { availableParallelism } from 'node:os';
import { tuneHeapGrowth } from './heap-growth.js';
import { parseCli, USAGE } from './args.js';
import { buildInfo } from './build-info.js';
import { commandHelp } from './help.js';
import type { CliArgs } from './args.js';
import { checkCapture, defaultProbe } from './check-config.js';
import { runFlows } from './flows-command.js';
import { runRead } from './read-command.js';
import { runDaemon } from './run-command.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { createOpLog } from '../output/oplog.js';
import type { OpLogger } from '../output/oplog.js';
import { CaptureError, CaptureFileError, ConfigError } from '../shared/errors.js';

/** Exit code of an unexpected exception (a bug): BSD sysexits EX_SOFTWARE, distinct from SPEC's 1–3. */
const EXIT_INTERNAL = 70;

/** `--workers` / workers.count: 0 means CPU count minus one, at least one (SPEC §2). */
export function resolveWorkers(config: Config): number {
  return config.workers.count > 0 ? config.workers.count : Math.max(1, availableParallelism() - 1);
}

/** Loads the configuration; each MAILTAP_* variable that names no setting goes to `onUnknownEnv`. */
function configOf(args: Exclude<CliArgs, { cmd: 'help' | 'version' }>, onUnknownEnv: (name: string, message: string) => void): Config {
  return loadConfig({ ...(args.config === undefined ? {} : { path: args.config }), flags: { ...args.overrides }, onUnknownEnv });
}

async function dispatch(args: CliArgs, log: OpLogger): Promise<number> {
  // One operational warning per stray variable (SPEC §6: not fatal).
  const warnEnv = (name: string, message: string): void => log.warn({ variable: name }, message);
  switch (args.cmd) {
    case 'help':
      process.stdout.write(args.topic === undefined ? `${USAGE}\n` : commandHelp(args.topic));
      return 0;
    case 'version': {
      const b = buildInfo();
      process.stdout.write(`mailtap ${b.version}\nNode.js ${b.node}\nlibpcap ${b.libpcap}\n`);
      return 0;
    }
    case 'check-config': {
      const unknownEnv: string[] = [];
      let config: Config;
      try {
        config = configOf(args, (_name, message) => unknownEnv.push(message));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const w of unknownEnv) process.stderr.write(`warning: ${w}\n`);
        for (const p of err.problems) process.stderr.write(`error: ${p}\n`);
        process.stderr.write(`${err.message}\n`);
        return 1;
      }
      for (const w of unknownEnv) process.stderr.write(`warning: ${w}\n`);
      // What `run` would refuse: the filter libpcap compiles, the interface it opens.
      const capture = checkCapture(config, defaultProbe());
      for (const w of capture.warnings) process.stderr.write(`warning: ${w}\n`);
      for (const e of capture.errors) process.stderr.write(`error: ${e}\n`);
      if (capture.errors.length > 0) {
        process.stderr.write(`configuration invalid: ${capture.errors.length} error${capture.errors.length === 1 ? '' : 's'}\n`);
        return 1;
      }
      process.stdout.write(`configuration OK${args.config === undefined ? ' (defaults and environment)' : `: ${args.config}`}\n`);
      return 0;
    }
    case 'flows': {
      const config = configOf(args, warnEnv);
      return runFlows({ config, files: args.files, log, ...(args.dumpStreams === undefined ? {} : { dumpStreams: args.dumpStreams }) });
    }
    case 'read': {
      const config = configOf(args, warnEnv);
      return runRead({ config, files: args.files, events: config.output.events, workers: resolveWorkers(config), log });
    }
    case 'run': {
      const config = configOf(args, warnEnv);
      return runDaemon({ config, events: config.output.events, workers: resolveWorkers(config), log });
    }
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (!parsed.ok) {
    process.stderr.write(`mailtap: ${parsed.message}\n\n${USAGE}\n`);
    return 1;
  }
  const log = createOpLog('logLevel' in parsed.args && parsed.args.logLevel !== undefined ? { level: parsed.args.logLevel } : {});
  try {
    return await dispatch(parsed.args, log);
  } catch (err) {
    if (err instanceof ConfigError) {
      log.error({ problems: err.problems }, err.message);
      return 1;
    }
    if (err instanceof CaptureError) {
      log.error(err.message);
      return 2;
    }
    if (err instanceof CaptureFileError) {
      log.error({ file: err.file, offset: err.offset }, err.message);
      return 3;
    }
    log.fatal({ err }, 'internal error');
    return EXIT_INTERNAL;
  }
}

// A reader that closes the pipe early (`mailtap flows x | head`) ends the run quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

// Before any worker starts and before the heaps fill: see heap-growth.ts.
tuneHeapGrowth();

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`mailtap: ${String(err)}\n`);
    process.exit(EXIT_INTERNAL);
  },
);
