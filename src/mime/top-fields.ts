// The top-level message's header fields that events carry (SPEC §3.1), as written (unfolded),
// before any decoding. Single-valued fields keep the first occurrence; Received keeps all, top
// first. Received, Authentication-Results and DKIM-Signature are parsed as each field ends (only
// the parse is kept for the last two), ARC-Seal fields are only counted, names are listed up to
// limits.header_names, and output.headers fields are kept raw. Everything else is never copied
// (STYLE: a long header block costs time, not memory).
import type { AnomalySink } from './anomaly-set.js';
import { parseAuthResults } from './auth-results.js';
import { parseDkimSignature } from './dkim-signature.js';
import type { HeaderTarget } from './header-block.js';
import { parseReceived } from './received-hop.js';
import type { AuthResultsRecord, DkimRecord, ReceivedHopRecord } from './types.js';

const SINGLE_NAMES = [
  'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'date', 'message-id', 'in-reply-to',
  'user-agent', 'x-mailer', 'x-originating-ip', 'content-type',
];
/** Each single-valued field's slot in TopFields.values: a per-message Map grew and rehashed
 * three times on an ordinary header block (~2% of a short message, issue 12 item 6). */
const SLOT = new Map(SINGLE_NAMES.map((n, i) => [n, i]));
/** Fields parsed into records (SPEC §3.1 received_hops, auth_results, dkim). */
const PARSED = new Set(['received', 'authentication-results', 'dkim-signature']);
/** SINGLE_NAMES and PARSED together: `wants` runs for every header line of every message. */
const KEPT = new Set([...SINGLE_NAMES, ...PARSED]);
const NONE: ReadonlySet<string> = new Set();
/** Never written: field() writes raw only for a name in rawNames, and then raw is the message's own. */
const NO_RAW = new Map<string, string[]>();

export class TopFields implements HeaderTarget {
  /** The first value of each SINGLE_NAMES field, by SLOT. */
  private readonly values: (string | undefined)[] = new Array<string | undefined>(SINGLE_NAMES.length).fill(undefined);
  readonly received: string[] = [];
  readonly hops: ReceivedHopRecord[] = [];
  readonly authResults: AuthResultsRecord[] = [];
  readonly dkim: DkimRecord[] = [];
  arcSeals = 0;
  /** Field names as written, in order, up to `namesCap`. */
  readonly names: string[] = [];
  /** output.headers values, keyed by lower-case name, in the order first seen. */
  readonly raw: Map<string, string[]>;
  private namesCut = false;

  /**
   * `rawNames`: lower-case output.headers names; `namesCap`: limits.header_names; `sink` hears
   * mime_header_names_exceeded (one past the cap).
   */
  constructor(
    private readonly rawNames: ReadonlySet<string> = NONE,
    private readonly namesCap = Number.POSITIVE_INFINITY,
    private readonly sink?: AnomalySink,
  ) {
    // Only output.headers fields go here: without any, all messages share one empty map.
    this.raw = rawNames.size > 0 ? new Map() : NO_RAW;
  }

  fieldName(name: string, written: string): void {
    // RFC 8617 §4.1: each ARC set has one ARC-Seal; the chain length is their count.
    if (name === 'arc-seal') this.arcSeals++;
    if (this.names.length < this.namesCap) this.names.push(written);
    else if (!this.namesCut) {
      this.namesCut = true;
      this.sink?.add('mime_header_names_exceeded');
    }
  }

  wants(name: string): boolean {
    return KEPT.has(name) || (this.rawNames.size > 0 && this.rawNames.has(name));
  }

  /** Received accumulates (one value per hop): charged to limits.header_bytes. */
  repeats(name: string): boolean {
    return name === 'received';
  }

  field(name: string, value: string): void {
    if (this.rawNames.has(name)) {
      const list = this.raw.get(name);
      if (list === undefined) this.raw.set(name, [value]);
      else list.push(value);
    }
    if (name === 'received') {
      this.received.push(value);
      this.hops.push(parseReceived(value));
    } else if (name === 'authentication-results') {
      const ar = parseAuthResults(value);
      if (ar !== undefined) this.authResults.push(ar);
    } else if (name === 'dkim-signature') {
      this.dkim.push(parseDkimSignature(value));
    } else {
      const slot = SLOT.get(name);
      if (slot !== undefined) this.values[slot] ??= value;
    }
  }

  get(name: string): string | undefined {
    const slot = SLOT.get(name);
    return slot === undefined ? undefined : this.values[slot];
  }
}
