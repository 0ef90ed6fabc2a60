// argv → CliArgs (SPEC §2) with node:util parseArgs; no side effects. Values stay strings here:
// the config loader turns flag values into settings and the zod schema judges them, so a bad
// `--workers x` is reported like any other configuration error, with its key path.
import { parseArgs } from 'node:util';

/** Flag values that override the config file (SPEC §6); keys are config paths. */
export interface FlagOverrides {
  'capture.interface'?: string;
  'capture.filter'?: string;
  'output.events'?: string;
  'workers.count'?: string;
}

/** The operational log levels `--log-level` accepts (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Given only when the flag was: `{ logLevel }` is absent otherwise (so args compare simply). */
interface Common { config?: string; overrides: FlagOverrides; logLevel?: LogLevel }

export type CliArgs =
  | { cmd: 'help'; topic?: CommandName }
  | { cmd: 'version' }
  | ({ cmd: 'run' } & Common)
  | ({ cmd: 'read'; files: string[] } & Common)
  | ({ cmd: 'flows'; files: string[]; dumpStreams?: string } & Common)
  | ({ cmd: 'check-config' } & Common);

export type ParseResult = { ok: true; args: CliArgs } | { ok: false; message: string };

export const USAGE = `Usage:
  mailtap run [--config F] [--interface IF] [--filter BPF] [--events PATH|-] [--workers N]
  mailtap read [--config F] [--events PATH|-] [--filter BPF] [--workers N] FILE... | -
  mailtap flows [--config F] [--dump-streams DIR] FILE... | -
  mailtap check-config [--config F]
  mailtap --version
  mailtap --help
  mailtap COMMAND --help

  run           live capture until SIGTERM/SIGINT; SIGHUP reopens the events file
  read          every packet of pcap/pcapng FILEs (- = standard input), then exit
  flows         one NDJSON line per TCP connection of the capture
  check-config  validate the configuration and print every error
  --dump-streams DIR   (flows) also write each connection's reassembled bytes:
                       DIR/<uid>.c2s, DIR/<uid>.s2c, and DIR/<uid>.gaps when bytes were missing

Every command takes --log-level LEVEL (${LOG_LEVELS.join(', ')}; default info).
Environment variables MAILTAP_<SECTION>_<KEY> override the config file and the flags.`;

/** A flag: its parseArgs type, the name of its value in help, and what it does (every flag has one). */
export interface OptionSpec { type: 'string' | 'boolean'; short?: string; arg?: string; doc: string }

const CONFIG: OptionSpec = { type: 'string', short: 'c', arg: 'FILE', doc: 'configuration file, YAML (or JSON when it ends in .json); without it the built-in defaults (config/mailtap.yaml lists them)' };
const LOG_LEVEL: OptionSpec = { type: 'string', arg: 'LEVEL', doc: `operational log on standard error: ${LOG_LEVELS.join(', ')} (default info); human-readable on a terminal, NDJSON otherwise` };
const HELP: OptionSpec = { type: 'boolean', short: 'h', doc: 'show this help and exit' };
const EVENTS: OptionSpec = { type: 'string', arg: 'PATH|-', doc: 'write events (NDJSON) to PATH, or - for standard output (the default; output.events)' };
const WORKERS: OptionSpec = { type: 'string', arg: 'N', doc: 'worker threads parsing SMTP and MIME (workers.count; default CPU count minus one, at least one)' };

// Which flags each command takes, with their help; anything else is an error, never silently ignored.
export const COMMANDS: Record<CommandName, Record<string, OptionSpec>> = {
  run: {
    config: CONFIG,
    interface: { type: 'string', short: 'i', arg: 'IF', doc: 'interface to capture on (capture.interface; `any` works on Linux)' },
    filter: { type: 'string', short: 'f', arg: 'BPF', doc: 'BPF expression (capture.filter); empty builds TCP on capture.ports, untagged and VLAN-tagged' },
    events: { ...EVENTS, doc: `${EVENTS.doc}; SIGHUP reopens the file (log rotation)` },
    workers: WORKERS,
    'log-level': LOG_LEVEL,
    help: HELP,
  },
  read: {
    config: CONFIG,
    events: EVENTS,
    workers: WORKERS,
    filter: { type: 'string', short: 'f', arg: 'BPF', doc: 'keep only the packets this BPF expression matches, as `tcpdump -r FILE EXPR` does (capture.filter, MAILTAP_CAPTURE_FILTER)' },
    'log-level': LOG_LEVEL,
    help: HELP,
  },
  flows: {
    config: CONFIG,
    'dump-streams': { type: 'string', arg: 'DIR', doc: 'also write each connection\'s reassembled bytes: DIR/<uid>.c2s, DIR/<uid>.s2c, and DIR/<uid>.gaps listing the bytes never captured' },
    'log-level': LOG_LEVEL,
    help: HELP,
  },
  'check-config': { config: CONFIG, 'log-level': LOG_LEVEL, help: HELP },
};

export type CommandName = 'run' | 'read' | 'flows' | 'check-config';

function isCommand(s: string): s is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, s);
}

function overridesOf(values: Record<string, string | boolean | undefined>): FlagOverrides {
  const o: FlagOverrides = {};
  if (typeof values.interface === 'string') o['capture.interface'] = values.interface;
  if (typeof values.filter === 'string') o['capture.filter'] = values.filter;
  if (typeof values.events === 'string') o['output.events'] = values.events;
  if (typeof values.workers === 'string') o['workers.count'] = values.workers;
  return o;
}

export function parseCli(argv: readonly string[]): ParseResult {
  const first = argv[0];
  if (first === undefined) return { ok: false, message: 'no command given' };
  if (first === '--help' || first === '-h') return { ok: true, args: { cmd: 'help' } };
  if (first === 'help') {
    const topic = argv[1];
    if (topic === undefined) return { ok: true, args: { cmd: 'help' } };
    if (!isCommand(topic)) return { ok: false, message: `help: unknown command '${topic}'` };
    return { ok: true, args: { cmd: 'help', topic } };
  }
  if (first === '--version' || first === '-V' || first === 'version') return { ok: true, args: { cmd: 'version' } };
  if (!isCommand(first)) return { ok: false, message: `unknown command '${first}'` };
  const spec = COMMANDS[first];
  let parsed: ReturnType<typeof parseArgs>;
  try {
    const options = Object.fromEntries(Object.entries(spec).map(([k, o]) => [k, o.short === undefined ? { type: o.type } : { type: o.type, short: o.short }]));
    parsed = parseArgs({ args: argv.slice(1), options, allowPositionals: true, strict: true });
  } catch (err) {
    return { ok: false, message: `${first}: ${(err as Error).message}` };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { ok: true, args: { cmd: 'help', topic: first } };
  const config = typeof values.config === 'string' ? values.config : undefined;
  const overrides = overridesOf(values);
  const files = parsed.positionals;
  const level = values['log-level'];
  if (typeof level === 'string' && !(LOG_LEVELS as readonly string[]).includes(level)) {
    return { ok: false, message: `${first}: --log-level must be one of ${LOG_LEVELS.join(', ')}, not '${level}'` };
  }
  const base: Common = config === undefined ? { overrides } : { config, overrides };
  if (typeof level === 'string') base.logLevel = level as LogLevel;
  switch (first) {
    case 'run':
    case 'check-config':
      if (files.length > 0) return { ok: false, message: `${first}: unexpected argument '${files[0]}'` };
      return { ok: true, args: { cmd: first, ...base } };
    case 'read':
      if (files.length === 0) return { ok: false, message: 'read: no capture file given (use - for standard input)' };
      return { ok: true, args: { cmd: 'read', ...base, files } };
    case 'flows': {
      if (files.length === 0) return { ok: false, message: 'flows: no capture file given (use - for standard input)' };
      const dump = values['dump-streams'];
      if (typeof dump === 'string') return { ok: true, args: { cmd: 'flows', ...base, files, dumpStreams: dump } };
      return { ok: true, args: { cmd: 'flows', ...base, files } };
    }
  }
}
