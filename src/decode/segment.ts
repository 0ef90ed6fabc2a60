// The one reusable DecodedSegment of a decoder, whose TCP payload view is made only when someone
// reads `payload`: a third of the packets of an SMTP session carry no payload (handshake, pure
// ACKs, FINs), and the flow stage reads `payload` only for those that do, so they cost no Buffer
// view (issue 12 item 6). decodeTcp records where the payload is (setPayload); the view, when made,
// is BORROWED as before: valid until the next decode. Owns nothing.
import type { DecodedSegment, FragmentView } from './types.js';
import { LazyView } from '../shared/lazy-view.js';

export function newFragmentView(): FragmentView {
  return { family: 4, ipOff: 0, headerLen: 0, nhOff: 0, proto: 0, id: 0, offset: 0, more: false, dataOff: 0, dataLen: 0 };
}

export class ReusableSegment implements DecodedSegment {
  tsMicros = 0;
  family: 4 | 6 = 4;
  srcIp4 = 0;
  dstIp4 = 0;
  srcIp6: Buffer | null = null;
  dstIp6: Buffer | null = null;
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  window = 0;
  payloadLen = 0;
  ipProto = 0;
  vlanCount = 0;
  vlan0 = 0;
  vlan1 = 0;
  vlan2 = 0;
  tunnelCount = 0;
  tunnelPath = 0;
  frag: FragmentView = newFragmentView();
  // Where the payload is, in a private field: the segment's own enumerable fields stay the interface's.
  readonly #payload = new LazyView();

  /** BORROWED view of the captured payload, made on first read after each decode. */
  get payload(): Buffer {
    return this.#payload.view();
  }

  set payload(v: Buffer) {
    this.#payload.setView(v);
  }

  /** The payload is `buf[start, end)`; no view is made until `payload` is read. */
  setPayload(buf: Buffer, start: number, end: number): void {
    this.#payload.setRange(buf, start, end);
  }
}

/** Records `buf[start, end)` as the segment's payload: lazily in a ReusableSegment, else as a view. */
export function setPayload(out: DecodedSegment, buf: Buffer, start: number, end: number): void {
  if (out instanceof ReusableSegment) out.setPayload(buf, start, end);
  else out.payload = buf.subarray(start, end);
}
