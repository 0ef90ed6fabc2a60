// What recognition found at the start of a connection, handed to the SMTP session with its open
// (issue 12 item 2: one place decides SMTP or not). The main thread's gate runs SmtpRecognizer
// (recognize.ts) and the worker's session applies these instead of recognising the connection
// again. One small integer, so it rides in the open's batch descriptor (dispatch/batch-codec.ts)
// and costs no structured-clone field and no object per connection.

/** SMTPS (RFC 8314 §3.3): the client's first bytes were a TLS ClientHello; the session is TLS from byte 0. */
export const START_IMPLICIT_TLS = 1;
/** The client side began with an HTTP CONNECT request (SMTP through a proxy tunnel), to be skipped. */
export const START_CLIENT_PREAMBLE = 2;
/** The server side began with the proxy's 2xx answer to HTTP CONNECT, to be skipped. */
export const START_SERVER_PREAMBLE = 4;
/** Every defined bit: anything else in a received open is a bad descriptor. */
export const START_FLAGS_MASK = START_IMPLICIT_TLS | START_CLIENT_PREAMBLE | START_SERVER_PREAMBLE;

/** True when `v` is a valid set of start flags (an integer using only the defined bits). */
export function isStartFlags(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && (v & ~START_FLAGS_MASK) === 0;
}
