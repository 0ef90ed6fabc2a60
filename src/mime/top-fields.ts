// The top-level message's header fields that events carry (SPEC §3.1), as written (unfolded),
// before any decoding. Single-valued fields keep the first occurrence; Received keeps all, top
// first. Everything else is never copied (STYLE: a long header block costs time, not memory).
import type { HeaderTarget } from './header-block.js';

const SINGLE = new Set([
  'subject', 'from', 'sender', 'reply-to', 'to', 'cc', 'bcc', 'date', 'message-id', 'in-reply-to',
  'user-agent', 'x-mailer', 'x-originating-ip', 'content-type',
]);

export class TopFields implements HeaderTarget {
  readonly single = new Map<string, string>();
  readonly received: string[] = [];

  wants(name: string): boolean {
    return name === 'received' || SINGLE.has(name);
  }

  field(name: string, value: string): void {
    if (name === 'received') this.received.push(value);
    else if (!this.single.has(name)) this.single.set(name, value);
  }

  get(name: string): string | undefined {
    return this.single.get(name);
  }
}
