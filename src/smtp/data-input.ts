// The message from the client: DATA (RFC 5321 §4.1.1.4, dot-unstuffed by data-reader.ts, with the
// bare-LF and smuggling anomalies in stream order) and BDAT chunks (RFC 3030, exact octet counts).
// Consumes BORROWED client chunks in the data/bdat modes; ends the transaction's message.
import { parseBdatArg } from './command.js';
import { DataHoldback } from './lenient-end.js';
import type { SessionParts } from './session-parts.js';
import type { Transaction } from './transaction.js';
import { closeTx, implicitTx, messageSent, parserOf } from './tx-lifecycle.js';

/** DATA was sent: a new message's framing starts. */
export function dataCommand(p: SessionParts, tx: Transaction): void {
  if (!tx.hasRecipient) p.ctx.anomaly('smtp_data_without_rcpt');
  const input = p.input;
  input.data.reset();
  input.bareLfReported = false;
  input.smugglingReported = 0;
  p.matcher.push(p.ctx, 'DATA', tx, 0);
}

/** DATA content from chunk[off..]; returns the offset after what was read (the end of data, or all). */
export function readData(p: SessionParts, chunk: Buffer, off: number): number {
  const input = p.input;
  input.data.holdLenient = !input.rereading && p.ctx.opts.limits.smuggling_holdback > 0;
  const end = input.data.read(chunk, off, p);
  afterDataRead(p);
  const lenient = input.lenientEnd;
  if (lenient !== null) input.holdback = new DataHoldback(lenient);
  return end;
}

/** Anomalies of what was just read, and the end of data when it came. */
export function afterDataRead(p: SessionParts): void {
  const ctx = p.ctx;
  const input = p.input;
  const d = input.data;
  if (d.bareLfSeen > 0 && !input.bareLfReported) {
    // Smuggling sequences before the first bare LF are reported first: stream order, whatever
    // the TCP segmentation (SPEC §7; fuzz finding smtp-session/anomaly-order.bin).
    while (input.smugglingReported < d.smugglingBeforeBareLf) {
      input.smugglingReported++;
      ctx.anomaly('smtp_smuggling_end');
    }
    input.bareLfReported = true;
    ctx.anomaly('smtp_bare_lf');
  }
  while (d.smugglingSeen > input.smugglingReported) {
    input.smugglingReported++;
    ctx.anomaly('smtp_smuggling_end');
  }
  if (!d.done) return;
  input.releaseData();
  const tx = ctx.tx;
  ctx.command('data_end');
  if (tx === null) return;
  messageSent(ctx, tx);
  p.matcher.push(ctx, 'data_end', tx, 0);
  closeTx(ctx, p.matcher);
}

export function bdatCommand(p: SessionParts, arg: Buffer): void {
  const ctx = p.ctx;
  const parsed = parseBdatArg(arg);
  if (!parsed.ok) {
    // The server refuses it (Zeek's smtp-bdat-cmd-invalid: 521) and no chunk follows. Outside a
    // transaction it opens none: the MAIL pipelined after it starts the only one (issue 15).
    ctx.anomaly('smtp_bdat_bad_size', parsed.reason);
    ctx.event(ctx.tx === null ? 'bdat_refused' : 'bdat_refused_in_tx');
    p.matcher.push(ctx, 'BDAT', ctx.tx, 0);
    return;
  }
  const tx = ctx.tx ?? implicitTx(ctx, 'BDAT');
  if (!tx.bdat && !tx.hasRecipient) ctx.anomaly('smtp_data_without_rcpt');
  tx.bdat = true;
  tx.dataBytes += parsed.size;
  p.input.bdatLast = parsed.last;
  p.matcher.push(ctx, 'BDAT', tx, parsed.last ? 1 : 0);
  p.client.lines.startRaw(parsed.size);
  if (parsed.size === 0) bdatChunkEnd(p);
}

/** BDAT chunk octets from chunk[off..]; returns the offset after them. */
export function readBdat(p: SessionParts, chunk: Buffer, off: number): number {
  const lines = p.client.lines;
  const end = lines.readRaw(chunk, off);
  const tx = p.ctx.tx;
  if (tx !== null && lines.raw !== null && lines.raw.length > 0) parserOf(p.ctx, tx)?.write(lines.raw);
  if (lines.rawRemaining === 0) bdatChunkEnd(p);
  return end;
}

export function bdatChunkEnd(p: SessionParts): void {
  const ctx = p.ctx;
  const tx = ctx.tx;
  if (!p.input.bdatLast || tx === null) {
    ctx.event('bdat_chunk_end');
    return;
  }
  messageSent(ctx, tx);
  ctx.event('bdat_last_end');
  closeTx(ctx, p.matcher);
}

/**
 * The connection ended inside a BDAT chunk: the octets it announced never came, so the message
 * is incomplete by that many bytes (counted on the transaction). When the chunk was LAST the
 * client did not leave the last chunk out, so smtp_bdat_missing_last is not raised (issue 15).
 */
export function cutChunk(p: SessionParts): void {
  const tx = p.ctx.tx;
  const missing = p.client.lines.rawRemaining;
  if (p.ctx.mode !== 'bdat' || tx === null || missing === 0) return;
  p.client.lines.gap(missing);
  tx.gapped = true;
  tx.gapBytes += missing;
  parserOf(p.ctx, tx)?.gap(missing);
  if (p.input.bdatLast) tx.endData();
}
