// The state of reading a message from the client (DATA framing, BDAT chunks, the SMTP smuggling
// holdback) that outlives one chunk. Made at the session's first DATA or BDAT (an idle session has
// none); the DATA reader inside is made per message and dropped at its end. data-input.ts and
// smuggling-arbiter.ts drive it.
import { DataReader } from './data-reader.js';
import type { DataHoldback, LenientForm } from './lenient-end.js';

export class MessageInput {
  /** DATA framing, made at a DATA (data); dropped at the end of data. */
  private dataState: DataReader | null = null;
  /** Client bytes after a lenient end of data, until a server reply decides (lenient-end.ts). */
  holdback: DataHoldback | null = null;
  /** Held bytes are being read again after a decision: no new hold (each byte is held once). */
  rereading = false;
  /** The BDAT chunk being read is the LAST one. */
  bdatLast = false;
  /** smtp_bare_lf was reported for the current message. */
  bareLfReported = false;
  /** smtp_smuggling_end reported for the current message so far. */
  smugglingReported = 0;

  /** The DATA reader, made on first use. */
  get data(): DataReader {
    return (this.dataState ??= new DataReader());
  }

  /** The DATA reader if one was made (reading its counters must not make one). */
  get dataIfAny(): DataReader | null {
    return this.dataState;
  }

  /** Where the DATA reader stopped at a lenient terminator; null when it did not (or is gone: the data ended). */
  get lenientEnd(): LenientForm | null {
    return this.dataState?.lenient ?? null;
  }

  /** The end of data was read: the reader is made again by the next DATA. */
  releaseData(): void {
    this.dataState = null;
  }
}
