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

export type CliArgs =
  | { cmd: 'help' }
  | { cmd: 'version' }
  | { cmd: 'run'; config?: string; overrides: FlagOverrides }
  | { cmd: 'read'; config?: string; overrides: FlagOverrides; files: string[] }
  | { cmd: 'flows'; config?: string; overrides: FlagOverrides; files: string[]; dumpStreams?: string }
  | { cmd: 'check-config'; config?: string; overrides: FlagOverrides };

export type ParseResult = { ok: true; args: CliArgs } | { ok: false; message: string };

export const USAGE = `Usage:
  mailtap run [--config F] [--interface IF] [--filter BPF] [--events PATH|-] [--workers N]
  mailtap read [--config F] [--events PATH|-] [--filter BPF] [--workers N] FILE... | -
  mailtap flows [--config F] [--dump-streams DIR] FILE... | -
  mailtap check-config [--config F]
  mailtap --version
  mailtap --help

  run           live capture until SIGTERM/SIGINT; SIGHUP reopens the events file
  read          every packet of pcap/pcapng FILEs (- = standard input), then exit
  flows         one NDJSON line per TCP connection of the capture
  check-config  validate the configuration and print every error
  --dump-streams DIR   (flows) also write each connection's reassembled bytes:
                       DIR/<uid>.c2s, DIR/<uid>.s2c, and DIR/<uid>.gaps when bytes were missing

Environment variables MAILTAP_<SECTION>_<KEY> override the config file and the flags.`;

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

// Which flags each command takes; anything else is an error, never silently ignored.
const COMMON: Record<string, OptionSpec> = { config: { type: 'string', short: 'c' } };
const COMMANDS: Record<string, Record<string, OptionSpec>> = {
  run: { ...COMMON, interface: { type: 'string', short: 'i' }, filter: { type: 'string', short: 'f' }, events: { type: 'string' }, workers: { type: 'string' } },
  read: { ...COMMON, events: { type: 'string' }, workers: { type: 'string' }, filter: { type: 'string', short: 'f' } },
  flows: { ...COMMON, 'dump-streams': { type: 'string' } },
  'check-config': { ...COMMON },
};

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
  if (first === '--help' || first === '-h' || first === 'help') return { ok: true, args: { cmd: 'help' } };
  if (first === '--version' || first === '-V' || first === 'version') return { ok: true, args: { cmd: 'version' } };
  const spec = COMMANDS[first];
  if (spec === undefined) return { ok: false, message: `unknown command '${first}'` };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv.slice(1), options: { ...spec, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    return { ok: false, message: `${first}: ${(err as Error).message}` };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { ok: true, args: { cmd: 'help' } };
  const config = typeof values.config === 'string' ? values.config : undefined;
  const overrides = overridesOf(values);
  const files = parsed.positionals;
  const base = config === undefined ? { overrides } : { config, overrides };
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
    default:
      return { ok: false, message: `unknown command '${first}'` };
  }
}
