// `mailtap flows FILE... | -` (SPEC §2): capture file → PacketDecoder → FlowTable → one NDJSON line per
// TCP connection, written when it closes (end of input closes the rest as `eof`). Owns the per-flow
// rows (endpoints, SMTP recognizer, optional stream dump) and the stdout batch; one reusable
// DecodedSegment and one frame handler for the whole run, so the packet loop allocates nothing.
import type { Logger } from 'pino';
import { openFileSource } from '../capture/file-source.js';
import type { RawFrame, SourceEnd } from '../capture/types.js';
import type { Config } from '../config/types.js';
import { uidPrefix } from '../flow/uid.js';
import { PacketDecoder, unsupportedLinkMessage } from './packet-decoder.js';
import { FlowTable } from '../flow/flow-table.js';
import { PacketClock } from '../flow/packet-clock.js';
import type { FlowId, FlowOpenInfo, FlowSummary, CloseReason, StreamEvent, StreamSink } from '../flow/types.js';
import { SmtpRecognizer } from '../smtp/recognize.js';
import type { Recognition } from '../smtp/recognize.js';
import { CaptureFileError } from '../shared/errors.js';
import { isoMicros } from '../shared/time.js';
import { FlowDump, prepareDumpDir } from './stream-dump.js';

export interface FlowsOptions {
  config: Config;
  files: readonly string[];
  dumpStreams?: string;
  log: Logger;
  /** Where NDJSON lines go; standard output unless a caller (bench, test) wants them. */
  write?: (chunk: string) => Promise<void>;
}

/** FlowTable.tick cadence: every this many packets, and at least once per second of packet time. */
const TICK_PACKETS = 4096;
const TICK_MICROS = 1_000_000;
/** NDJSON is written in batches of about this many characters. */
const OUT_BATCH = 256 * 1024;

class FlowRow {
  recognition: Recognition = 'pending';
  constructor(
    readonly info: FlowOpenInfo,
    readonly recognizer: SmtpRecognizer,
    readonly dump: FlowDump | null,
  ) {}
}

/** Formats packet times as SPEC's ISO-8601 with microseconds, reusing the date part within one second. */
export class IsoMicrosFormatter {
  private second = -1;
  private prefix = '';

  format(tsMicros: number): string {
    const second = Math.floor(tsMicros / 1_000_000);
    if (second !== this.second) {
      this.second = second;
      this.prefix = isoMicros(second * 1_000_000).slice(0, 19); // YYYY-MM-DDTHH:MM:SS
    }
    return `${this.prefix}.${String(tsMicros - second * 1_000_000).padStart(6, '0')}Z`;
  }
}

/**
 * One flows line; field order is the SPEC §2 order with uid and community_id first; `one_sided`
 * is written only for a one-sided connection, as `client_only` or `server_only` (as in events). A template, not
 * JSON.stringify of an object: every string here is mailtap-made ASCII (uid, base64, IP text) with
 * nothing to escape, and this runs once per connection (100k connections in the `many` benchmark).
 */
export function formatFlowLine(
  info: FlowOpenInfo,
  reason: CloseReason,
  s: FlowSummary,
  smtp: boolean,
  iso: IsoMicrosFormatter = new IsoMicrosFormatter(),
): string {
  return (
    `{"uid":"${info.uid}","community_id":"${info.communityId}","src_ip":"${info.client.ip}","src_port":${info.client.port},` +
    `"dst_ip":"${info.server.ip}","dst_port":${info.server.port},"start":"${iso.format(s.startMicros)}","end":"${iso.format(s.endMicros)}",` +
    `"bytes_client":${s.bytesClient},"bytes_server":${s.bytesServer},"gap_bytes":${s.gapBytes},"close":"${reason}",` +
    // one_sided as in the events (SPEC §3.2): absent, or the side that was seen.
    `"midstream":${s.midstream},${s.oneSided === null ? '' : `"one_sided":"${s.oneSided}",`}"smtp":${smtp}}`
  );
}

function stdoutWrite(chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/** Receives the FlowTable's stream events; recognises SMTP and writes lines on close. */
class FlowsSink implements StreamSink {
  private readonly rows = new Map<FlowId, FlowRow>();
  /** The row of the last data event: data comes in bursts per connection, so most lookups hit it. */
  private lastId: FlowId = -1;
  private lastRow: FlowRow | undefined = undefined;
  private readonly iso = new IsoMicrosFormatter();
  private out = '';
  private pending: Promise<void> = Promise.resolve();
  flows = 0;

  constructor(
    private readonly smtpPorts: readonly number[],
    private readonly dumpDir: string | undefined,
    private readonly write: (chunk: string) => Promise<void>,
  ) {}

  onEvent(ev: StreamEvent): void {
    switch (ev.t) {
      case 'open': {
        const info = ev.info;
        const onPort = this.smtpPorts.includes(info.server.port);
        const dump = this.dumpDir === undefined ? null : new FlowDump(this.dumpDir, info.uid);
        this.rows.set(info.flow, new FlowRow(info, new SmtpRecognizer(onPort), dump));
        if (info.flow === this.lastId) this.lastId = -1;
        return;
      }
      case 'data': {
        let row = this.lastRow;
        if (ev.flow !== this.lastId) {
          row = this.rows.get(ev.flow);
          this.lastId = ev.flow;
          this.lastRow = row;
        }
        if (row === undefined) return;
        if (row.recognition === 'pending') row.recognition = row.recognizer.feed(ev.dir, ev.bytes);
        if (row.dump !== null) row.dump.onData(ev.dir, ev.bytes);
        return;
      }
      case 'gap': {
        const row = this.rows.get(ev.flow);
        if (row !== undefined && row.dump !== null) row.dump.onGap(ev.dir, ev.len);
        return;
      }
      case 'close': {
        const row = this.rows.get(ev.flow);
        if (row === undefined) return;
        this.rows.delete(ev.flow);
        if (ev.flow === this.lastId) this.lastRow = undefined;
        if (row.dump !== null) row.dump.close();
        this.out += formatFlowLine(row.info, ev.reason, ev.summary, row.recognition === 'smtp', this.iso) + '\n';
        this.flows++;
        if (this.out.length >= OUT_BATCH) this.flush();
        return;
      }
      case 'anomaly':
        return;
    }
  }

  flush(): void {
    if (this.out === '') return;
    const chunk = this.out;
    this.out = '';
    this.pending = this.pending.then(() => this.write(chunk));
  }

  async drain(): Promise<void> {
    this.flush();
    await this.pending;
  }
}

/** Runs `mailtap flows`; resolves to the exit code (0, or 3 for a corrupt capture after flushing). */
export async function runFlows(opts: FlowsOptions): Promise<number> {
  const { config, log } = opts;
  if (opts.dumpStreams !== undefined) prepareDumpDir(opts.dumpStreams);
  const sink = new FlowsSink(config.capture.ports, opts.dumpStreams, opts.write ?? stdoutWrite);
  const table = new FlowTable({ flows: config.flows, smtpPorts: config.capture.ports, uidPrefix: uidPrefix(config.output.uid_seed) }, sink);
  const decoder = new PacketDecoder(config);
  let file = '';
  decoder.onUnsupportedLink = (linkType) => log.warn({ file, linkType }, unsupportedLinkMessage(file, linkType));
  let packets = 0;
  let sinceTick = 0;
  let maxTs = 0;
  const clock = new PacketClock();
  let nextTickAt = 0;

  const onFrame = (frame: RawFrame): void => {
    packets++;
    // Idle expiry follows the trusted packet clock, not one stray timestamp (PacketClock).
    maxTs = clock.observe(frame.tsMicros);
    if (decoder.decode(frame) === null) table.onSegment(decoder.seg);
    if (++sinceTick >= TICK_PACKETS || maxTs >= nextTickAt) {
      sinceTick = 0;
      nextTickAt = maxTs + TICK_MICROS;
      decoder.tick(maxTs);
      table.tick(maxTs);
    }
  };

  const source = openFileSource(opts.files, {
    onWarning: (msg) => log.warn(msg),
    onFile: (name) => {
      file = name;
      decoder.newFile();
    },
  });
  let exitCode = 0;
  let end: SourceEnd | null = null;
  try {
    end = await source.run(onFrame);
  } catch (err) {
    if (!(err instanceof CaptureFileError)) throw err;
    log.error({ file: err.file, offset: err.offset }, err.message);
    exitCode = 3;
  }
  decoder.finish();
  table.closeAll('eof', maxTs > 0 ? maxTs : undefined);
  await sink.drain();
  if (end !== null && end.kind === 'truncated') {
    log.warn({ file: end.file, offset: end.offset }, `${end.file}: truncated capture, last record cut at byte offset ${end.offset}`);
  }
  const st = source.stats();
  const { tcp: _tcp, ...skipped } = decoder.counts;
  log.info({ packets, bytes: st.bytes, skipped, reassembly: decoder.reassembly, flows: sink.flows }, 'flows finished');
  return exitCode;
}
