// A MessageParserFactory for SMTP tests: each parser records the exact bytes it received, its
// gaps and its context, and returns a minimal MessageRecord, so tests can assert message bytes
// (dot-unstuffing, BDAT joining) without the MIME engine.
import type { MessageContext, MessageParser, MessageParserFactory, MessageResult } from '../../src/mime/types.js';
import type { AnomalyCode } from '../../src/shared/anomalies.js';

export interface StubMessage {
  ctx: MessageContext;
  chunks: Buffer[];
  gaps: number[];
  ended: number;
}

export interface StubFactory {
  factory: MessageParserFactory;
  messages: StubMessage[];
}

/** The bytes a stub parser received, joined. */
export function stubBytes(m: StubMessage): Buffer {
  return Buffer.concat(m.chunks);
}

/** `anomalies` are returned by every parser's end(), to test that the session merges them. */
export function stubMessageParsers(anomalies: AnomalyCode[] = []): StubFactory {
  const messages: StubMessage[] = [];
  const factory: MessageParserFactory = (ctx) => {
    const m: StubMessage = { ctx, chunks: [], gaps: [], ended: 0 };
    messages.push(m);
    const parser: MessageParser = {
      write(chunk: Buffer): void {
        // The chunk is borrowed: copy it.
        m.chunks.push(Buffer.from(chunk));
      },
      gap(len: number): void {
        m.gaps.push(len);
      },
      end(): MessageResult {
        m.ended++;
        const size = m.chunks.reduce((n, c) => n + c.length, 0);
        return {
          message: { headers_bytes: size, header_count: 0, parts: 1, attachments: [] },
          anomalies: [...anomalies],
        };
      },
    };
    return parser;
  };
  return { factory, messages };
}
