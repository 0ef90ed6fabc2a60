// `mailtap COMMAND --help` (SPEC §2): each command's synopsis, what it does, and every flag it
// takes with its explanation, built from the same table parseCli checks flags against (args.ts
// COMMANDS), so a flag cannot exist without its help. Pure text; no side effects.
import { COMMANDS } from './args.js';
import type { CommandName, OptionSpec } from './args.js';

interface CommandDoc { synopsis: string; about: string; notes: string }

const EXIT = `Exit status: 0 success, 1 bad configuration or arguments, 2 the capture could not be opened,
3 unreadable or corrupt capture file (sessions still open are flushed first).`;
const ENV = 'Environment: MAILTAP_<SECTION>_<KEY> overrides the file and the flags (MAILTAP_FLOWS_IDLE_TIMEOUT_S=60).';

const DOCS: Record<CommandName, CommandDoc> = {
  run: {
    synopsis: 'mailtap run [OPTIONS]',
    about: `Captures live from an interface through libpcap until SIGTERM or SIGINT, reassembles every TCP
connection, follows SMTP sessions and writes one event per transaction, session and anomaly.
SIGHUP reopens the events file. Metrics are served on metrics.listen (/metrics, /healthz, /readyz).`,
    notes: `Needs CAP_NET_RAW and CAP_NET_ADMIN (or root); privileges.user drops to another user once the
capture is open.
${ENV}
${EXIT}`,
  },
  read: {
    synopsis: 'mailtap read [OPTIONS] FILE... | -',
    about: `Reads every packet of the capture files (pcap or pcapng, detected by magic; - is standard input,
as in \`tcpdump -w - | mailtap read -\`), then flushes every open session as close "eof" and exits.
On a terminal it shows progress (bytes, packets, sessions, MB/s, time left) on standard error;
every run ends with a one-line summary there.`,
    notes: `SIGINT/SIGTERM flush open sessions as "shutdown" and exit 130/143.
${ENV}
${EXIT}`,
  },
  flows: {
    synopsis: 'mailtap flows [OPTIONS] FILE... | -',
    about: `Writes one NDJSON line per TCP connection of the capture to standard output, for checking a
capture: uid, community_id, endpoints (client first), start, end, bytes_client, bytes_server,
gap_bytes, close, midstream, one_sided (absent, client_only or server_only), smtp.`,
    notes: `${ENV}
${EXIT}`,
  },
  'check-config': {
    synopsis: 'mailtap check-config [OPTIONS]',
    about: `Validates the configuration (file, flags and environment together) and prints every error with its
key path; exits 1 on any. MAILTAP_* variables that name no setting are listed as warnings.`,
    notes: 'Exit status: 0 valid, 1 invalid.',
  },
};

function optionLine(name: string, o: OptionSpec): [string, string] {
  const flag = `${o.short === undefined ? '    ' : `-${o.short}, `}--${name}${o.arg === undefined ? '' : ` ${o.arg}`}`;
  return [flag, o.doc];
}

/** The help of one command, wrapped to 100 columns. */
export function commandHelp(cmd: CommandName): string {
  const d = DOCS[cmd];
  const lines = Object.entries(COMMANDS[cmd]).map(([name, o]) => optionLine(name, o));
  const width = Math.max(...lines.map(([f]) => f.length)) + 2;
  const opts = lines.map(([f, doc]) => `  ${f.padEnd(width)}${wrap(doc, 100 - width - 2).join(`\n  ${' '.repeat(width)}`)}`);
  return `Usage: ${d.synopsis}\n\n${d.about}\n\nOptions:\n${opts.join('\n')}\n\n${d.notes}\n`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}
