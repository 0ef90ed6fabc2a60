// The flow stage's one door to its StreamSink: every open/data/gap/anomaly/close event leaves
// through here, and the sink's verdict comes back through here. A sink answers IGNORE (types.ts)
// to stop a flow; the flag is set at once (no further data/gap/anomaly events), but the flow's held
// bytes are dropped only when the table has finished the current segment or tick (applyIgnores):
// the event may come from deep inside reassembly, which still walks those very holdbacks. This is
// the one deferral of "ignore this flow" (issue 12 item 2); the sink never calls the table back.
//
// The per-packet path allocates nothing (issue 12 item 3): data events reuse one object (the data
// event is BORROWED, like its bytes); the rarer events are fresh objects.
import type { AnomalyCode } from '../shared/anomalies.js';
import { IGNORE, type CloseReason, type Direction, type FlowId, type FlowSummary, type StreamSink } from './types.js';
import { Phase, type FlowState, type HalfState } from './flow-state.js';
import { buildOpenInfo } from './flow-info.js';
import type { WaitList } from './wait-list.js';

interface DataEvent {
  t: 'data';
  flow: FlowId;
  tsMicros: number;
  dir: Direction;
  bytes: Buffer;
}

const NO_BYTES = Buffer.alloc(0);

export class FlowEvents {
  /** Flows a sink ignored during the current segment or tick: their holds go in applyIgnores. */
  readonly ignored: FlowState[] = [];
  private readonly dataEv: DataEvent = { t: 'data', flow: 0, tsMicros: 0, dir: 'c2s', bytes: NO_BYTES };

  constructor(
    private readonly sink: StreamSink,
    private readonly waits: WaitList,
    /** Text between "C" and the flow number in every uid (flow/uid.ts). */
    private readonly uidPrefix: string,
  ) {}

  /** The flow's roles are decided (clientIsA set): it opens, once; the consumer learns it, midstream flagged. */
  open(f: FlowState): void {
    if (f.phase !== Phase.Pending) return;
    f.phase = Phase.Open;
    const info = buildOpenInfo(f, `C${this.uidPrefix}${f.id.toString(36)}`);
    if (this.sink.onEvent({ t: 'open', tsMicros: f.startMicros, info }) === IGNORE) this.ignore(f);
    if (f.midstream) this.anomaly(f, 'flow_midstream', 'no SYN seen', f.startMicros);
  }

  /** In-order bytes of `h` (BORROWED). */
  data(f: FlowState, h: HalfState, bytes: Buffer, ts: number): void {
    if (f.ignored) return;
    const ev = this.dataEv;
    ev.flow = f.id;
    ev.tsMicros = ts;
    ev.dir = f.dirOf(h);
    ev.bytes = bytes;
    const v = this.sink.onEvent(ev);
    ev.bytes = NO_BYTES; // borrowed: not kept past the call
    if (v === IGNORE) this.ignore(f);
  }

  gap(f: FlowState, h: HalfState, len: number, ts: number): void {
    if (f.ignored) return;
    if (this.sink.onEvent({ t: 'gap', flow: f.id, tsMicros: ts, dir: f.dirOf(h), len }) === IGNORE) this.ignore(f);
  }

  anomaly(f: FlowState, name: AnomalyCode, detail: string, ts: number): void {
    if (f.ignored) return;
    if (this.sink.onEvent({ t: 'anomaly', flow: f.id, tsMicros: ts, name, detail }) === IGNORE) this.ignore(f);
  }

  /** The last event of a flow: a verdict on it has nothing left to stop. */
  close(f: FlowState, reason: CloseReason, summary: FlowSummary, ts: number): void {
    this.sink.onEvent({ t: 'close', flow: f.id, tsMicros: ts, reason, summary });
  }

  /**
   * Stops delivering `f` now (the flag); its held bytes are dropped by the caller's applyIgnores.
   * A flow waiting to close keeps its timer: its close still goes after the reorder window.
   */
  ignore(f: FlowState): void {
    if (f.ignored) return;
    f.ignored = true;
    if (!f.closing) this.waits.remove(f);
    this.ignored.push(f);
  }
}
